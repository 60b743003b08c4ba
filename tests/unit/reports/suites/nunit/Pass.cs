// NUnit 2.6 sample for record.sh: two tests, both pass.
using NUnit.Framework;

[TestFixture]
public class SquareTests
{
    [Test]
    public void SquareOfTwo() { Assert.AreEqual(4, 2 * 2); }

    [Test]
    public void SquareOfMinusThree() { Assert.AreEqual(9, -3 * -3); }
}
