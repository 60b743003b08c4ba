<?php
use PHPUnit\Framework\TestCase;

require_once 'main.php';

final class FibTest extends TestCase
{
    public function test_small(): void
    {
        $this->assertSame(1, fib(1));
        $this->assertSame(1, fib(2));
    }

    public function test_ten(): void
    {
        $this->assertSame(55, fib(10));
    }

    public function test_twenty(): void
    {
        $this->assertSame(6765, fib(20));
    }
}
