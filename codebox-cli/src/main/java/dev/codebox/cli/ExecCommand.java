package dev.codebox.cli;

import dev.codebox.CodeBlock;
import dev.codebox.Language;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code codebox exec}: runs one block from a file or standard input. */
@Command(name = "exec", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Runs one code block from FILE (or standard input with - or no FILE).%n"
                + "The language comes from -l or from FILE's extension (.py, .sh, .bash, .ps1).")
final class ExecCommand extends ExecutionCommand {

    @Option(names = {"-l", "--language"}, paramLabel = "LANG",
            description = "Language of the code: python, bash, sh or pwsh (and their aliases).")
    String language;

    @Parameters(index = "0", arity = "0..1", paramLabel = "FILE|-", defaultValue = "-",
            description = "The code to run (default: standard input).")
    String source;

    @Override
    List<CodeBlock> blocks() {
        return List.of(new CodeBlock(language(), read(source)));
    }

    private String language() {
        if (language != null) {
            return language;
        }
        int dot = source.lastIndexOf('.');
        if ("-".equals(source) || dot < 0) {
            throw new UsageException("cannot tell the language of " + ("-".equals(source) ? "standard input" : source)
                    + ": give it with -l LANG");
        }
        String extension = source.substring(dot + 1).toLowerCase(Locale.ROOT);
        return Language.fromTag(extension).map(Language::canonicalName)
                .orElseThrow(() -> new UsageException("cannot tell the language of " + source
                        + " from its extension: give it with -l LANG"));
    }
}
