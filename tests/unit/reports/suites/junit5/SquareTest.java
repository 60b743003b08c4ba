// Everything passes.
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SquareTest {
    static int square(int x) {
        return x * x;
    }

    @Test
    void squareOfTwo() {
        assertEquals(4, square(2));
    }

    @Test
    void squareOfMinusThree() {
        assertEquals(9, square(-3));
    }
}
