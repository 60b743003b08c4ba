// Compiled once while the image is built, so that the class-data archive of the Kotlin
// compiler (kotlinc.jsa) holds the classes a typical student program makes it load.
data class Point(val x: Int, val y: Int)

fun main() {
    val line = readLine()
    val words = mutableListOf("a", "b", "c")
    val counts = HashMap<String, Int>()
    for (w in words) counts[w] = (counts[w] ?: 0) + 1
    val p = Point(1, 2)
    println("${line ?: ""} ${counts.size} ${p.copy(y = 3)} ${words.map { it.toUpperCase() }.sorted()}")
}
