/**
 * codebox: runs code blocks written by language models and returns exit code, output and files.
 *
 * <p>API: {@code dev.codebox} (executor, blocks, results, languages), {@code dev.codebox.local}
 * (the local executor), {@code dev.codebox.functions}, {@code dev.codebox.agent},
 * {@code dev.codebox.markdown}. SPI: {@code dev.codebox.spi}, for command-line backends.
 * Everything under {@code dev.codebox.internal} is plumbing shared with codebox's own modules.
 */
module dev.codebox {
    requires org.slf4j;

    exports dev.codebox;
    exports dev.codebox.agent;
    exports dev.codebox.functions;
    exports dev.codebox.local;
    exports dev.codebox.markdown;
    exports dev.codebox.spi;

    exports dev.codebox.internal to dev.codebox.runner, dev.codebox.docker, dev.codebox.kubernetes, dev.codebox.jupyter, dev.codebox.jupyter.docker,
            dev.codebox.mcp;
    exports dev.codebox.internal.pipeline to dev.codebox.runner, dev.codebox.docker, dev.codebox.kubernetes, dev.codebox.jupyter;
}
