/**
 * The Jupyter executor: code blocks in a local kernel (ZeroMQ) or a kernel of a Jupyter server
 * (REST and websocket). SPI: {@code dev.codebox.jupyter.spi}, for other kinds of kernels.
 */
module dev.codebox.jupyter {
    requires transitive dev.codebox;
    requires transitive com.fasterxml.jackson.databind;
    requires java.net.http;
    requires org.slf4j;
    requires org.zeromq.jeromq;

    exports dev.codebox.jupyter;
    exports dev.codebox.jupyter.spi;

    exports dev.codebox.jupyter.internal.remote to dev.codebox.jupyter.docker;
}
