# ruff: noqa: E501  (real traces are quoted as printed)
"""Java/Kotlin frames (signature v2): surefire, Gradle, logback, Kotlin, Caused by.

Each trace is a real one (trimmed to its frames) from the thread named above it.
Expected: ``(key, in_repo, is_test)`` innermost first
(the deepest ``Caused by:`` section first).
"""

from __future__ import annotations

import pytest

from bot.core.signatures.v2.frames import read_frames
from tests.signatures.v2.frame_cases import keys, lines_moved, seen

# https://github.com/liuqingli/CCLearner/issues/1
CONNECT_REFUSED = """Exception in thread "main" org.postgresql.util.PSQLException: Connection to localhost:5433 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.
        at org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:252)
        at org.postgresql.core.ConnectionFactory.openConnection(ConnectionFactory.java:66)
        at org.postgresql.jdbc.PgConnection.<init>(PgConnection.java:215)
        at java.sql.DriverManager.getConnection(DriverManager.java:247)
        at vt.cs.CCLearner_Feature.main(CCLearner_Feature.java:94)
Caused by: java.net.ConnectException: Connection refused (Connection refused)
        at java.net.PlainSocketImpl.socketConnect(Native Method)
        at java.net.AbstractPlainSocketImpl.doConnect(AbstractPlainSocketImpl.java:350)
"""
# https://github.com/urlaubsverwaltung/zeiterfassung/issues/578
LIQUIBASE = """\tat org.springframework.boot.SpringApplication.run(SpringApplication.java:1343) ~[spring-boot-3.2.2.jar:3.2.2]
\tat de.focusshift.zeiterfassung.Application.main(Application.java:13) ~[classes/:2.1.1]
\tat java.base/jdk.internal.reflect.DirectMethodHandleAccessor.invoke(Unknown Source) ~[na:na]
\tat org.springframework.boot.loader.launch.JarLauncher.main(JarLauncher.java:58) ~[workspace/:na]
Caused by: liquibase.exception.DatabaseException: org.postgresql.util.PSQLException: Connection to localhost:5432 refused.
\tat liquibase.integration.spring.SpringLiquibase.afterPropertiesSet(SpringLiquibase.java:288) ~[liquibase-core-4.24.0.jar:na]
"""
# https://github.com/Kotlin/kotlinx.coroutines/issues/74
KOTLIN_LAMBDA = """Exception in thread "main" java.lang.Exception: Test Exception
\tat TestKt$getData$2$1.invoke(Test.kt:14)
\tat TestKt$getData$2$1.invoke(Test.kt)
\tat kotlin.concurrent.ThreadsKt$thread$thread$1.run(Thread.kt:30)
"""
# https://github.com/dushixiang/kafka-map/issues/39
JUNIT5_LAMBDA = """java.lang.IllegalStateException: Failed to load ApplicationContext
\tat org.springframework.test.context.junit.jupiter.SpringExtension.postProcessTestInstance(SpringExtension.java:138)
\tat org.junit.jupiter.engine.descriptor.ClassBasedTestDescriptor.lambda$invokeTestInstancePostProcessors$6(ClassBasedTestDescriptor.java:350)
\tat java.base/java.util.stream.ReferencePipeline$3$1.accept(ReferencePipeline.java:195)
"""
# https://github.com/axelor/open-platform-demo/issues/9
LOGBACK_OMITTED = """        at java.net.Socket.connect(Socket.java:607)
        at org.postgresql.core.PGStream.<init>(PGStream.java:62)
        ... 48 common frames omitted
"""
# https://github.com/newrelic/newrelic-java-agent/issues/399
JSHELL = """java.lang.RuntimeException: kaboom!
\tat REPL.$JShell$11.do_it$Aux($JShell$11.java:6)
\tat java.base/jdk.internal.reflect.NativeMethodAccessorImpl.invoke0(Native Method)
"""
# https://github.com/pinpoint-apm/pinpoint/issues/10612
PINPOINT = """com.navercorp.pinpoint.exception.PinpointException: not matched stack id. expected=-1, current=1001
\tat com.navercorp.pinpoint.profiler.context.AsyncChildTrace.stackDump(AsyncChildTrace.java:106) ~[pinpoint-profiler-2.5.3.jar:2.5.3]
\tat com.navercorp.pinpoint.plugin.kotlinx.coroutines.interceptor.DispatchInterceptor.after(DispatchInterceptor.java:111) ~[pinpoint-kotlin-coroutines-plugin-2.5.3.jar:2.5.3]
"""
# https://github.com/jacobhyphenated/PokerServer/issues/24
SPRING_RUNNER_ANON = """java.lang.IllegalStateException: Failed to load ApplicationContext
\tat org.springframework.test.context.TestContext.getApplicationContext(TestContext.java:157)
\tat org.springframework.test.context.junit4.SpringJUnit4ClassRunner$1.runReflectiveCall(SpringJUnit4ClassRunner.java:288)
\tat org.junit.internal.runners.model.ReflectiveCallable.run(ReflectiveCallable.java:15)
"""
# https://github.com/Kotlin/kotlinx.coroutines/issues/3568 (Crashlytics prints "Caused by" without a colon)
CRASHLYTICS = """Caused by java.lang.StackOverflowError: stack size 1043KB
       at kotlinx.coroutines.UndispatchedCoroutine.afterResume(UndispatchedCoroutine.java:25)
       at kotlin.coroutines.jvm.internal.BaseContinuationImpl.resumeWith(BaseContinuationImpl.java:31)
"""

EXAMPLES = [
    pytest.param(
        CONNECT_REFUSED,
        [
            ("java/net/PlainSocketImpl:PlainSocketImpl.socketConnect", False, False),
            (
                "java/net/AbstractPlainSocketImpl.java:AbstractPlainSocketImpl.doConnect",
                False,
                False,
            ),
            (
                "org/postgresql/core/v3/ConnectionFactoryImpl.java:ConnectionFactoryImpl.openConnectionImpl",
                False,
                False,
            ),
            (
                "org/postgresql/core/ConnectionFactory.java:ConnectionFactory.openConnection",
                False,
                False,
            ),
            ("org/postgresql/jdbc/PgConnection.java:PgConnection.<init>", False, False),
            ("java/sql/DriverManager.java:DriverManager.getConnection", False, False),
            ("vt/cs/CCLearner_Feature.java:CCLearner_Feature.main", True, False),
        ],
        id="caused-by-native-method",
    ),
    pytest.param(
        LIQUIBASE,
        [
            (
                "liquibase/integration/spring/SpringLiquibase.java:SpringLiquibase.afterPropertiesSet",
                False,
                False,
            ),
            ("org/springframework/boot/SpringApplication.java:SpringApplication.run", False, False),
            ("de/focusshift/zeiterfassung/Application.java:Application.main", True, False),
            (
                "jdk/internal/reflect/DirectMethodHandleAccessor:DirectMethodHandleAccessor.invoke",
                False,
                False,
            ),
            (
                "org/springframework/boot/loader/launch/JarLauncher.java:JarLauncher.main",
                False,
                False,
            ),
        ],
        id="jar-suffix-unknown-source",
    ),
    pytest.param(
        KOTLIN_LAMBDA,
        [
            ("Test.kt:TestKt.getData", True, True),
            ("Test.kt:TestKt.getData", True, True),
            ("kotlin/concurrent/Thread.kt:ThreadsKt.thread.thread.run", False, False),
        ],
        id="kotlin-lambda-invoke",
    ),
    pytest.param(
        JUNIT5_LAMBDA,
        [
            (
                "org/springframework/test/context/junit/jupiter/SpringExtension.java:SpringExtension.postProcessTestInstance",
                False,
                False,
            ),
            (
                "org/junit/jupiter/engine/descriptor/ClassBasedTestDescriptor.java:ClassBasedTestDescriptor.invokeTestInstancePostProcessors",
                False,
                False,
            ),
            ("java/util/stream/ReferencePipeline.java:ReferencePipeline.accept", False, False),
        ],
        id="junit5-lambda-module-prefix",
    ),
    pytest.param(
        LOGBACK_OMITTED,
        [
            ("java/net/Socket.java:Socket.connect", False, False),
            ("org/postgresql/core/PGStream.java:PGStream.<init>", False, False),
        ],
        id="logback-common-frames-omitted",
    ),
    pytest.param(
        JSHELL,
        [
            ("REPL/$JShell$11.java:JShell.do_it$Aux", True, False),
            (
                "jdk/internal/reflect/NativeMethodAccessorImpl:NativeMethodAccessorImpl.invoke0",
                False,
                False,
            ),
        ],
        id="jshell-dollar-class",
    ),
    pytest.param(
        PINPOINT,
        [
            (
                "com/navercorp/pinpoint/profiler/context/AsyncChildTrace.java:AsyncChildTrace.stackDump",
                True,
                False,
            ),
            (
                "com/navercorp/pinpoint/plugin/kotlinx/coroutines/interceptor/DispatchInterceptor.java:DispatchInterceptor.after",
                True,
                False,
            ),
        ],
        id="project-jar-suffix",
    ),
    pytest.param(
        SPRING_RUNNER_ANON,
        [
            (
                "org/springframework/test/context/TestContext.java:TestContext.getApplicationContext",
                False,
                False,
            ),
            (
                "org/springframework/test/context/junit4/SpringJUnit4ClassRunner.java:SpringJUnit4ClassRunner.runReflectiveCall",
                False,
                False,
            ),
            (
                "org/junit/internal/runners/model/ReflectiveCallable.java:ReflectiveCallable.run",
                False,
                False,
            ),
        ],
        id="anonymous-class",
    ),
    pytest.param(
        CRASHLYTICS,
        [
            (
                "kotlinx/coroutines/UndispatchedCoroutine.java:UndispatchedCoroutine.afterResume",
                False,
                False,
            ),
            (
                "kotlin/coroutines/jvm/internal/BaseContinuationImpl.java:BaseContinuationImpl.resumeWith",
                False,
                False,
            ),
        ],
        id="crashlytics-no-colon",
    ),
]


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_reads_java_frames_innermost_first(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    frames = read_frames(trace)
    assert seen(frames) == expected
    assert {frame.language for frame in frames} == {"java"}


@pytest.mark.parametrize(("trace", "expected"), EXAMPLES)
def test_a_line_moved_by_an_edit_keeps_the_keys(
    trace: str, expected: list[tuple[str, bool, bool]]
) -> None:
    assert keys(lines_moved(trace)) == [key for key, _, _ in expected]


# One failure as each JVM reporter prints it (surefire with tabs, Gradle with spaces and
# no jar suffixes, logback with "~[…]" and "common frames omitted", a Spring Boot jar's
# "app//" loader prefix, JDK 21 hidden lambda classes): the frames must not change. The
# shape is CCLearner#1's above, with a project cause.
REPORTERS = {
    "surefire": (
        "org.postgresql.util.PSQLException: Connection to localhost:5432 refused.\n"
        "\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:252)\n"
        "\tat com.acme.shop.db.Pool.lambda$open$0(Pool.java:40)\n"
        "\tat com.acme.shop.db.Pool$$Lambda$14/0x0000000800c0b000.get(Unknown Source)\n"
        "\tat com.acme.shop.CartIT.checkout(CartIT.java:27)\n"
        "Caused by: java.net.ConnectException: Connection refused\n"
        "\tat java.base/sun.nio.ch.Net.connect0(Native Method)\n"
        "\tat com.acme.shop.db.Socket$1.run(Socket.kt:12)\n"
        "\t... 4 more\n"
    ),
    "gradle": (
        "    org.postgresql.util.PSQLException: Connection to localhost:5432 refused.\n"
        "        at org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:252)\n"
        "        at com.acme.shop.db.Pool.lambda$open$0(Pool.java:40)\n"
        "        at com.acme.shop.db.Pool$$Lambda/0x000001f0a1b2c3d4.get(Unknown Source)\n"
        "        at com.acme.shop.CartIT.checkout(CartIT.java:27)\n"
        "\n"
        "        Caused by:\n"
        "        java.net.ConnectException: Connection refused\n"
        "            at java.base/sun.nio.ch.Net.connect0(Native Method)\n"
        "            at com.acme.shop.db.Socket$1.run(Socket.kt:12)\n"
        "            ... 4 more\n"
    ),
    "logback": (
        "org.postgresql.util.PSQLException: Connection to localhost:5432 refused.\n"
        "\tat org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:252) ~[postgresql-42.7.3.jar!/:42.7.3]\n"
        "\tat app//com.acme.shop.db.Pool.lambda$open$0(Pool.java:40) ~[classes/:na]\n"
        "\tat app//com.acme.shop.db.Pool$$Lambda$14/0x0000000800c0b000.get(Unknown Source) ~[na:na]\n"
        "\tat app//com.acme.shop.CartIT.checkout(CartIT.java:27) ~[test-classes/:na]\n"
        "Caused by: java.net.ConnectException: Connection refused\n"
        "\tat java.base/sun.nio.ch.Net.connect0(Native Method) ~[na:na]\n"
        "\tat app//com.acme.shop.db.Socket$1.run(Socket.kt:12) ~[classes/:na]\n"
        "\t... 4 common frames omitted\n"
    ),
}
REPORTER_KEYS = [
    ("sun/nio/ch/Net:Net.connect0", False, False),
    ("com/acme/shop/db/Socket.kt:Socket.run", True, False),
    (
        "org/postgresql/core/v3/ConnectionFactoryImpl.java:ConnectionFactoryImpl.openConnectionImpl",
        False,
        False,
    ),
    ("com/acme/shop/db/Pool.java:Pool.open", True, False),
    ("com/acme/shop/db/Pool:Pool.get", True, False),
    ("com/acme/shop/CartIT.java:CartIT.checkout", True, True),
]


@pytest.mark.parametrize("reporter", sorted(REPORTERS))
def test_every_jvm_reporter_gives_the_same_frames(reporter: str) -> None:
    assert seen(read_frames(REPORTERS[reporter])) == REPORTER_KEYS


# Order: the deepest cause first, then outwards; a suppressed exception (and its cause,
# printed at its indentation) after the whole main chain. Shape of newrelic-java-agent#399.
SUPPRESSED = """java.lang.RuntimeException: kaboom!
\tat com.acme.Outer.run(Outer.java:6)
\tSuppressed: java.lang.IllegalStateException: kaboom suppressed 1
\t\tat com.acme.Closer.close(Closer.java:3)
\tCaused by: java.io.IOException: disk
\t\tat com.acme.Disk.flush(Disk.java:9)
Caused by: java.lang.IllegalArgumentException: kaboom cause
\tat com.acme.Inner.parse(Inner.java:11)
\t... 1 more
"""


def test_the_root_cause_comes_first_and_suppressed_exceptions_last() -> None:
    assert keys(SUPPRESSED) == [
        "com/acme/Inner.java:Inner.parse",
        "com/acme/Outer.java:Outer.run",
        "com/acme/Disk.java:Disk.flush",
        "com/acme/Closer.java:Closer.close",
    ]


def test_kotlin_coroutine_frames_name_the_suspend_function() -> None:
    # Kotlin/kotlinx.coroutines#74's shape inside a package, with invokeSuspend
    trace = "\tat com.acme.shop.CartKt$checkout$1.invokeSuspend(Cart.kt:12)\n"
    assert keys(trace) == ["com/acme/shop/Cart.kt:CartKt.checkout"]
