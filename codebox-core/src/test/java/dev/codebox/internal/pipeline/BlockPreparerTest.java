package dev.codebox.internal.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.codebox.CodeBlock;
import dev.codebox.Language;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlockPreparerTest {

    @TempDir
    Path workDir;

    @Test
    void silencesPipInstallLines() {
        assertEquals("pip install numpy -qqq\necho ok", BlockPreparer.silencePip("pip install numpy\necho ok", Language.SH));
        assertEquals("pip install -qqq numpy", BlockPreparer.silencePip("pip install -qqq numpy", Language.BASH));
        assertEquals("  pip3 install a b -qqq", BlockPreparer.silencePip("  pip3 install a b", Language.SH));
        assertEquals("!pip install pandas -qqq\nimport pandas", BlockPreparer.silencePip("!pip install pandas\nimport pandas", Language.PYTHON));
        assertEquals("!pip install x", BlockPreparer.silencePip("!pip install x", Language.SH), "shells have no !pip");
        assertEquals("%pip install x -qqq", BlockPreparer.silencePip("%pip install x", Language.PYTHON));
        assertEquals("# pip install x is a comment", BlockPreparer.silencePip("# pip install x is a comment", Language.SH));
    }

    @Test
    void readsTheFilenameComment() {
        assertEquals(Optional.of("a.py"), BlockPreparer.requestedFileName("# filename: a.py\nprint(1)"));
        assertEquals(Optional.of("dir/b.sh"), BlockPreparer.requestedFileName("#!/bin/bash\n# filename:dir/b.sh\necho"));
        assertEquals(Optional.of("c.py"), BlockPreparer.requestedFileName("#FileName:   c.py  "));
        assertEquals(Optional.empty(), BlockPreparer.requestedFileName("# compute things\nprint(1)"));
        assertEquals(Optional.empty(), BlockPreparer.requestedFileName("print(1)\n# filename: late.py"));
        assertEquals(Optional.of("test.py"), BlockPreparer.requestedFileName("# test.py\nprint(1)"));
        assertEquals(Optional.of("web/page.html"), BlockPreparer.requestedFileName("#!/x\n#  web/page.html  \n"));
        assertEquals(Optional.empty(), BlockPreparer.requestedFileName("# v1.0\nprint(1)"));
        assertEquals(Optional.empty(), BlockPreparer.requestedFileName("# see notes.txt\nprint(1)"));
        assertEquals(Optional.empty(), BlockPreparer.requestedFileName("# compute x.py\nprint(1)"));
        // Every line break Java's \\R knows, CRLF as one.
        assertEquals(Optional.of("crlf.sh"), BlockPreparer.requestedFileName("#!/bin/bash\r\n# filename: crlf.sh\r\necho"));
        assertEquals(Optional.of("u.py"), BlockPreparer.requestedFileName("# filename: u.py\u2028print(1)"));
        assertEquals(Optional.of("cr.py"), BlockPreparer.requestedFileName("#!/x\r# cr.py\rprint(1)"));
        assertEquals(Optional.empty(), BlockPreparer.requestedFileName("#!/x"));
        assertEquals(Optional.empty(), BlockPreparer.requestedFileName("#!/x\n"));
    }

    @Test
    void namesFilesByContentHashAndExtension() {
        BlockPreparer.Preparation python = BlockPreparer.prepare(new CodeBlock("py", "print(1)"), workDir);
        assertEquals("tmp_code_d287bb7f9d15abdc5b6e98536263815744b6ef21c8f3c839fc434ca70d8efe99.py", python.block().relativeName());
        assertEquals(Language.PYTHON, python.block().language());
        assertTrue(BlockPreparer.prepare(new CodeBlock("shell", "ls"), workDir).block().relativeName().endsWith(".sh"));
        assertTrue(BlockPreparer.prepare(new CodeBlock("bash", "ls"), workDir).block().relativeName().endsWith(".bash"));
        assertTrue(BlockPreparer.prepare(new CodeBlock("powershell", "ls"), workDir).block().relativeName().endsWith(".ps1"));
        assertEquals(BlockPreparer.prepare(CodeBlock.python("x"), workDir).block().file(),
                BlockPreparer.prepare(CodeBlock.python("x"), workDir).block().file());
    }

    @Test
    void refusesUnknownLanguagesAndEscapes() throws Exception {
        assertEquals("unknown language cobol", BlockPreparer.prepare(new CodeBlock("cobol", "x"), workDir).refusal());
        for (String name : new String[] {"../x.py", "/etc/x.py", "a/../../x.py", "."}) {
            assertEquals(BlockPreparer.OUTSIDE_WORKSPACE,
                    BlockPreparer.prepare(CodeBlock.python("# filename: " + name + "\nprint(1)"), workDir).refusal(), name);
        }
        assertEquals("sub/ok.py", BlockPreparer.prepare(CodeBlock.python("# filename: sub/../sub/ok.py\n"), workDir).block().relativeName());
    }
}
