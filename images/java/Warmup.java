// Compiled once while the image is built, so that the class-data archive of javac holds
// the compiler classes a typical student program needs (generics, lambdas, streams,
// inner and nested classes, enums, records, switch, exceptions, varargs, a lint note).
import java.io.*;
import java.util.*;
import java.util.function.*;
import java.util.stream.*;

public class Warmup {
    enum Color { RED, GREEN }

    record Point(int x, int y) {
        int dist() { return Math.abs(x) + Math.abs(y); }
    }

    interface Shape { double area(); }

    static class Box<T extends Comparable<T>> implements Iterable<T> {
        private final List<T> items = new ArrayList<>();
        void add(T t) { items.add(t); }
        T max() { return Collections.max(items); }
        public Iterator<T> iterator() { return items.iterator(); }
    }

    @SuppressWarnings("unchecked")
    static <T> T[] arrayOf(T... xs) { return xs; }

    static int sum(int... xs) {
        int s = 0;
        for (int x : xs) s += x;
        return s;
    }

    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        Scanner sc = new Scanner("1 2 3");
        Map<String, Integer> counts = new HashMap<>();
        List raw = new ArrayList();
        raw.add("unchecked");
        String line;
        while ((line = in.readLine()) != null) counts.merge(line, 1, Integer::sum);
        Box<Integer> box = new Box<>();
        while (sc.hasNextInt()) box.add(sc.nextInt());
        Shape circle = () -> Math.PI;
        Shape square = new Shape() { public double area() { return 1.0; } };
        Function<Integer, Integer> twice = x -> x * 2;
        int[] a = IntStream.rangeClosed(1, 5).map(x -> x * x).toArray();
        Arrays.sort(a);
        String joined = Stream.of(arrayOf("a", "b")).map(String::toUpperCase).collect(Collectors.joining(","));
        StringBuilder sb = new StringBuilder();
        for (Color c : Color.values()) {
            switch (c) {
                case RED -> sb.append('r');
                default -> sb.append('g');
            }
        }
        long big = 1L << 40;
        try {
            Object o = raw.get(0);
            if (o instanceof String s && !s.isEmpty()) sb.append(s.charAt(0));
            System.out.printf("%d %s %.2f %d %s %d %d%n", box.max(), joined, circle.area() + square.area(),
                              twice.apply(sum(a)), sb, new Point(3, -4).dist(), big);
        } catch (RuntimeException e) {
            throw new IllegalStateException("warmup failed", e);
        }
    }
}
