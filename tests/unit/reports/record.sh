#!/bin/sh
# Records the real reports that tests/unit/test_report.c reads, from the sample suites in
# suites/, and makes the cut and broken copies from them.
#
# Recorded on Debian 12 (bookworm) with its own packages:
#   python3-pytest 7.2.1-2 (python3 3.11.2)       pytest --junitxml
#   junit5 5.9.2-1 (console launcher 1.9.1), openjdk-17-jdk-headless 17.0.15+6-1~deb12u1
#                                                  junit-platform-console-standalone --reports-dir
#   nodejs 18.20.4+dfsg-1~deb12u3                  node --test --test-reporter=tap
#   rustc 1.63.0+dfsg1-2                           libtest --format json (RUSTC_BOOTSTRAP=1)
#   gcc 12.2.0-14+deb12u1, g++ 12.2.0-14+deb12u1   images/gcc/runbox_test.h, TAP on fd 3
#   nunit-console 2.6.4, mono 6.8 (runbox/mono)    nunit-console -xml
#   perl 5.36, Test::More 1.302190 (runbox/scripts) images/scripts/runbox-prove, TAP on fd 3
#
#   apt-get install -y python3-pytest junit5 default-jdk-headless nodejs rustc gcc g++
#
# Each tool can be pointed elsewhere (PYTHON, JAVA, JAVAC, NODE, RUSTC, CC, CXX): a machine
# whose node is not Debian's can run Debian's from its extracted packages. The suites run in
# /tmp/runbox-reports, so the paths inside the reports stay the same from one recording to
# the next; only times and addresses change.
#
# One edit is made to a real report: the JUnit launcher writes the kernel's version among
# the JVM's properties, which says nothing about the tests; it is replaced by "(removed)".
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$here/suites
work=/tmp/runbox-reports
PYTHON=${PYTHON:-/usr/bin/python3}
JAVA=${JAVA:-java}
JAVAC=${JAVAC:-javac}
NODE=${NODE:-/usr/bin/node}
RUSTC=${RUSTC:-/usr/bin/rustc}
CC=${CC:-gcc}
CXX=${CXX:-g++}
jars=/usr/share/java

rm -rf "$work"
mkdir -p "$work/pytest" "$work/junit5" "$work/node" "$work/libtest" "$work/c"
cd "$here"

echo "== pytest: $("$PYTHON" -m pytest --version 2>&1)"
cp "$src"/pytest/*.py "$work/pytest/"
(cd "$work/pytest" &&
	{ "$PYTHON" -m pytest -p no:cacheprovider --junitxml=mixed.xml test_mixed.py > console.txt || true; } &&
	{ "$PYTHON" -m pytest -p no:cacheprovider -o junit_logging=all --junitxml=logging.xml \
		test_mixed.py > /dev/null || true; } &&
	"$PYTHON" -m pytest -p no:cacheprovider --junitxml=pass.xml test_pass.py > /dev/null)
cp "$work/pytest/mixed.xml" pytest_mixed.xml
cp "$work/pytest/logging.xml" pytest_logging.xml
cp "$work/pytest/pass.xml" pytest_pass.xml
# What a student's program printed, handed over where a report was expected.
cp "$work/pytest/console.txt" pytest_console.txt

echo "== junit5: $(dpkg-query -W -f='${Version}' junit5 2>/dev/null), $("$JAVA" -version 2>&1 | head -1)"
cp "$src"/junit5/*.java "$work/junit5/"
(cd "$work/junit5" &&
	"$JAVAC" -encoding UTF-8 -d classes \
		-cp $jars/junit-jupiter-api.jar:$jars/apiguardian-api.jar:$jars/opentest4j.jar \
		FibTest.java SquareTest.java &&
	for class in FibTest SquareTest; do
		"$JAVA" -jar $jars/junit-platform-console-standalone.jar --disable-banner \
			--class-path classes --select-class $class --reports-dir out-$class \
			--config=junit.platform.output.capture.stdout=true > /dev/null || true
	done)
for pair in FibTest:mixed SquareTest:pass; do
	sed 's/name="os.version" value="[^"]*"/name="os.version" value="(removed)"/' \
		"$work/junit5/out-${pair%:*}/TEST-junit-jupiter.xml" > "junit5_${pair#*:}.xml"
done

echo "== node: $("$NODE" --version)"
cp "$src"/node/*.js "$work/node/"
(cd "$work/node" &&
	for t in mixed pass exit; do
		"$NODE" --test --test-reporter=tap --test-reporter-destination=$t.tap $t.test.js \
			> /dev/null || true
	done)
for t in mixed pass exit; do cp "$work/node/$t.tap" node_$t.tap; done

echo "== libtest: $("$RUSTC" --version)"
cp "$src"/libtest/*.rs "$work/libtest/"
(cd "$work/libtest" &&
	for t in mixed pass abort; do
		"$RUSTC" --edition 2021 --test $t.rs -o $t 2> /dev/null
		env -u RUST_BACKTRACE RUSTC_BOOTSTRAP=1 ./$t -Z unstable-options --format json \
			--test-threads=1 > $t.json 2> /dev/null || true
	done &&
	{ env -u RUST_BACKTRACE RUSTC_BOOTSTRAP=1 ./mixed -Z unstable-options --format json \
		--report-time --test-threads=1 > time.json 2> /dev/null || true; })
for t in mixed pass abort time; do cp "$work/libtest/$t.json" libtest_$t.json; done

echo "== c: $("$CC" --version | head -1)"
cp "$src"/c/* "$here/../../../images/gcc/runbox_test.h" "$work/c/"
(cd "$work/c" &&
	"$CC" -std=c11 -Wall -Wextra -Werror -Wpedantic mixed.c -o mixed &&
	"$CXX" -std=c++11 -Wall -Wextra -Werror -Wpedantic pass.cpp -o pass &&
	{ RB_TEST_TIMEOUT_MS=300 ./mixed 3> mixed.tap > stdout.txt || true; } &&
	./pass 3> pass.tap > /dev/null &&
	# Without fd 3 the report shares stdout with what the tests print.
	{ RB_TEST_TIMEOUT_MS=300 ./mixed 3>&- > nofd3.tap || true; } &&
	# The harness killed while the endless loop runs (as a run's time limit would): the
	# plan is there, the tests after it are not. ulimit ends the orphaned loop too.
	{ sh -c 'ulimit -t 2; RB_TEST_TIMEOUT_MS=300 exec timeout -s KILL 0.15 ./mixed \
		3> killed.tap > /dev/null' 2> /dev/null || true; })
cp "$work/c/mixed.tap" c_mixed.tap
cp "$work/c/pass.tap" c_pass.tap
cp "$work/c/nofd3.tap" c_nofd3.tap
cp "$work/c/killed.tap" c_killed.tap

# NUnit and Test::More are recorded in runbox's own images, which hold them (make images
# LANGS="csharp perl"), as root in a folder of their own.
echo "== nunit: $(docker run --rm runbox/mono:latest sh -c 'dpkg-query -W -f="\${Version}" nunit-console')"
mkdir -p "$work/nunit" && cp "$src"/nunit/*.cs "$work/nunit/"
docker run --rm -u 0 -e HOME=/tmp -v "$work/nunit:/rec" -w /rec runbox/mono:latest sh -c '
	for t in Mixed Pass; do
		mcs -target:library -r:/usr/lib/cli/nunit.framework-2.6.3/nunit.framework.dll \
			-out:$t.dll $t.cs > /dev/null &&
		{ nunit-console -nologo -noshadow -xml=$t.xml $t.dll > /dev/null || true; }
	done'
cp "$work/nunit/Mixed.xml" nunit_mixed.xml
cp "$work/nunit/Pass.xml" nunit_pass.xml

echo "== perl: $(docker run --rm runbox/scripts:latest perl -MTest::More -e 'print "Test::More ", Test::More->VERSION')"
for t in mixed pass; do
	mkdir -p "$work/perl/$t" && cp "$src/perl/$t.t" "$work/perl/$t/"
done
docker run --rm -u 0 -v "$work/perl:/rec" -w /rec runbox/scripts:latest sh -c '
	for t in mixed pass; do runbox-prove /rec/$t 3> $t.tap > /dev/null 2>&1 || true; done'
cp "$work/perl/mixed.tap" perl_mixed.tap
cp "$work/perl/pass.tap" perl_pass.tap

echo "== cut and broken copies"
# Cut in the middle, as a report is when its writer is killed: at a fixed place in the
# text (a byte offset would move as the times in it change length).
"$PYTHON" - <<'EOF'
def cut(src, dst, marker, nth, extra):
    data = open(src, 'rb').read()
    at = -1
    for _ in range(nth):
        at = data.index(marker, at + 1)
    open(dst, 'wb').write(data[:at + extra])

def edit(src, dst, old, new, count=1):
    data = open(src, 'rb').read()
    assert old in data, (src, old)
    open(dst, 'wb').write(data.replace(old, new, count))

# Inside the 4th <testcase>'s failure message attribute.
cut('pytest_mixed.xml', 'pytest_cut.xml', b'<testcase ', 4, 60)
# Inside the stack trace (CDATA) of the first failure.
cut('junit5_mixed.xml', 'junit5_cut.xml', b'<![CDATA[org.opentest4j', 1, 200)
# In the middle of the YAML block of 'reads input'.
cut('node_mixed.tap', 'node_cut.tap', b"error: \"Cannot read", 1, 12)
# In the middle of the line of tests::fib_ten's failure.
cut('libtest_mixed.json', 'libtest_cut.json', b'"event": "failed"', 1, 40)
# In the middle of test 4's message.
cut('c_mixed.tap', 'c_cut.tap', b'not ok 4', 1, 40)

# Broken by hand: a mismatched end tag after the second test, an entity that is not
# XML's, a character reference to U+0000, an element that is not a JUnit report.
edit('pytest_mixed.xml', 'junit_badtag.xml', b'</failure></testcase>', b'</failure></testcas>')
edit('pytest_mixed.xml', 'junit_badentity.xml', b'&lt;class', b'&nbsp;class')
edit('pytest_mixed.xml', 'junit_nul.xml', b'&#10;', b'&#0;')
edit('pytest_pass.xml', 'junit_notjunit.xml', b'<testsuites>', b'<html>')
# A plan larger than the tests that follow, and a bail-out after the first test.
edit('node_pass.tap', 'tap_short.tap', b'\n1..2\n', b'\n1..5\n')
edit('node_pass.tap', 'tap_bail.tap', b'# Subtest: square of minus three\n',
     b'Bail out! the database is not reachable\n# Subtest: square of minus three\n')
EOF
rm -rf "$work"
ls -l "$here"/*.xml "$here"/*.tap "$here"/*.json "$here"/*.txt
