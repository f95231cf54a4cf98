/**
 * The resident runner of the container backends: runner.py, which a container or pod runs as its
 * main process, and the JVM side of the runner protocol (docs/runner-protocol.md) over any byte
 * stream. Internal to codebox: exported only to its backends.
 */
module dev.codebox.runner {
    requires transitive dev.codebox;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports dev.codebox.runner.internal to dev.codebox.docker, dev.codebox.jupyter.docker, dev.codebox.kubernetes;
}
