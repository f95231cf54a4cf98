/** The Docker command-line executor: code blocks in a hardened container, through a resident runner. */
module dev.codebox.docker {
    requires transitive dev.codebox;
    requires dev.codebox.runner;
    requires transitive com.github.dockerjava.api;
    requires com.github.dockerjava.core;
    requires com.github.dockerjava.transport;
    requires com.github.dockerjava.transport.zerodep;
    requires com.fasterxml.jackson.databind;
    requires org.slf4j;

    exports dev.codebox.docker;

    exports dev.codebox.docker.internal to dev.codebox.jupyter.docker;
}
