import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

@TestMethodOrder(MethodOrderer.MethodName.class)
public class FibTest {
    @Test
    void small() {
        assertEquals(1, Main.fib(1));
        assertEquals(1, Main.fib(2));
    }

    @Test
    void ten() {
        assertEquals(55, Main.fib(10));
    }

    @Test
    void twenty() {
        assertEquals(6765, Main.fib(20));
    }
}
