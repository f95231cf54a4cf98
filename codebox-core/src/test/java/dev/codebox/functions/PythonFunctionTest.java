package dev.codebox.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PythonFunctionTest {

    @Test
    void nameAndStubOfASimpleFunction() {
        PythonFunction function = PythonFunction.of("""
                def add(a: int, b: int = 2) -> int:
                    \"""Adds two numbers.\"""
                    return a + b
                """);
        assertEquals("add", function.name());
        assertEquals("""
                def add(a: int, b: int = 2) -> int:
                    \"""Adds two numbers.\"""
                    ...""", function.stub());
    }

    @Test
    void decoratorsAreDroppedAndAMultiLineSignatureIsKept() {
        PythonFunction function = PythonFunction.of("""
                @functools.lru_cache(maxsize=None)
                @staticmethod
                def fetch(
                    url: str,
                    headers: dict[str, str] = {"Accept": "a:b"},  # a comment, with a colon:
                    timeout: float = 1.5e-3,
                ) -> "tuple[int, str]":  # trailing comment
                    '''Fetches URL.

                    Returns (status, body).
                    '''
                    return 200, ""
                """);
        assertEquals("fetch", function.name());
        assertEquals("""
                def fetch(
                    url: str,
                    headers: dict[str, str] = {"Accept": "a:b"},  # a comment, with a colon:
                    timeout: float = 1.5e-3,
                ) -> "tuple[int, str]":
                    '''Fetches URL.

                    Returns (status, body).
                    '''
                    ...""", function.stub());
    }

    @Test
    void asyncDefWithoutDocstring() {
        PythonFunction function = PythonFunction.of("async def wait(seconds: float = 1) -> None:\n    await asyncio.sleep(seconds)\n");
        assertEquals("wait", function.name());
        assertEquals("async def wait(seconds: float = 1) -> None:\n    ...", function.stub());
    }

    @Test
    void oneLineFunctionWithDocstringOnTheDefLine() {
        assertEquals("def one():\n    \"the number one\"\n    ...",
                PythonFunction.of("def one(): \"the number one\"; return 1").stub());
        assertEquals("def two():\n    ...", PythonFunction.of("def two(): return 2").stub());
    }

    @Test
    void stringsThatLookLikeCodeDoNotConfuseTheParser() {
        PythonFunction function = PythonFunction.of("""
                TEMPLATE = '''
                def not_a_function():
                    pass
                '''
                # def commented_out():
                def real(sep: str = "):", other=r"\\"", fmt=f"{'a' + \"b\"}:") -> str:
                    return f"{sep!r:>{10}}"  # def inside():
                """);
        assertEquals("real", function.name());
        assertEquals("def real(sep: str = \"):\", other=r\"\\\"\", fmt=f\"{'a' + \"b\"}:\") -> str:\n    ...",
                function.stub());
    }

    @Test
    void bytesAndFormattedStringsAreNotDocstrings() {
        assertEquals("def f():\n    ...", PythonFunction.of("def f():\n    b'data'\n").stub());
        assertEquals("def g():\n    ...", PythonFunction.of("def g():\n    \"x\".strip()\n").stub());
    }

    @Test
    void docstringIsReindentedFromTheBodysIndentation() {
        PythonFunction function = PythonFunction.of("def f():\n        \"\"\"Line one.\n\n        Line two.\n        \"\"\"\n        return 1\n");
        assertEquals("def f():\n    \"\"\"Line one.\n\n    Line two.\n    \"\"\"\n    ...", function.stub());
    }

    @Test
    void indentedSourceIsDedentedAndCrLfNormalised() {
        PythonFunction function = PythonFunction.of("    def f(x):\r\n        return x\r\n");
        assertEquals("def f(x):\n    return x", function.source());
    }

    @Test
    void nestedAndConditionalDefsAreNotTopLevel() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PythonFunction.of("if True:\n    def f():\n        pass\nx = '''\ndef g():\n'''\n"));
        assertTrue(e.getMessage().startsWith("the function source has no top-level function definition"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> PythonFunction.of("class A:\n    def f(self):\n        pass\n"));
        assertThrows(IllegalArgumentException.class, () -> PythonFunction.of(""));
    }

    @Test
    void twoTopLevelFunctionsAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PythonFunction.of("def a():\n    pass\n\ndef b():\n    pass\n"));
        assertTrue(e.getMessage().contains("defines 2 top-level functions (a, b)"), e.getMessage());
    }

    @Test
    void importsAndRequirementsAreCheckedAndDeduplicated() {
        PythonFunction function = PythonFunction.builder("def f():\n    pass")
                .imports("json", "import pandas as pd", "from pathlib import Path", "json")
                .requirements(" pandas>=2 ", "pandas>=2", "./dist/x-1.0-py3-none-any.whl")
                .build();
        assertEquals(List.of("import json", "import pandas as pd", "from pathlib import Path"), function.imports());
        assertEquals(List.of("pandas>=2", "./dist/x-1.0-py3-none-any.whl"), function.requirements());
        assertThrows(IllegalArgumentException.class, () -> PythonFunction.builder("def f(): pass").imports("x = 1"));
        assertThrows(IllegalArgumentException.class, () -> PythonFunction.builder("def f(): pass").imports("import a\nimport b"));
        assertThrows(IllegalArgumentException.class, () -> PythonFunction.builder("def f(): pass").requirements("--index-url=x"));
        assertThrows(IllegalArgumentException.class, () -> PythonFunction.builder("def f(): pass").requirements(" "));
    }
}
