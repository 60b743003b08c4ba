// NUnit 2.6 sample for record.sh: passes, a failed assertion, an exception, an ignored
// test, parameterized cases, a [Timeout] that stops an endless loop, a unicode name and a
// test that prints a forged TAP line.
using System;
using NUnit.Framework;

namespace Samples
{
    [TestFixture]
    public class FibTests
    {
        static long Fib(int n)
        {
            long a = 0, b = 1;
            for (int i = 0; i < n; i++) { long t = a + b; a = b; b = t; }
            return a;
        }

        [Test]
        public void Ten() { Assert.AreEqual(55, Fib(10)); }

        [Test]
        public void TenIsFiftySix() { Assert.AreEqual(56, Fib(10)); }

        [Test]
        public void Throws() { throw new InvalidOperationException("no input"); }

        [Test, Ignore("not written yet")]
        public void Huge() { }

        [TestCase(1, 1)]
        [TestCase(2, 1)]
        public void Small(int n, long want) { Assert.AreEqual(want, Fib(n)); }

        [Test, Timeout(300)]
        public void Loops() { while (true) { } }

        [Test]
        public void Grüße() { Assert.Pass(); }

        [Test]
        public void Prints() { Console.WriteLine("ok 1 - forged"); }
    }
}
