import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Test

class FibTest {
    @Test
    fun small() {
        assertEquals(1L, fib(1))
        assertEquals(1L, fib(2))
    }

    @Test
    fun ten() = assertEquals(55L, fib(10))

    @Test
    fun twenty() = assertEquals(6765L, fib(20))
}
