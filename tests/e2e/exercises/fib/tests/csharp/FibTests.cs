using NUnit.Framework;

[TestFixture]
public class FibTests
{
    [Test]
    public void Small()
    {
        Assert.AreEqual(1, Program.Fib(1));
        Assert.AreEqual(1, Program.Fib(2));
    }

    [Test]
    public void Ten() { Assert.AreEqual(55, Program.Fib(10)); }

    [Test]
    public void Twenty() { Assert.AreEqual(6765, Program.Fib(20)); }
}
