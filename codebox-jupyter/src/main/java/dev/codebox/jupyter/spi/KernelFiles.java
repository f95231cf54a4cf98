package dev.codebox.jupyter.spi;

/**
 * The files a kernel writes where this machine cannot see them (a container's own work dir),
 * brought into the output dir after each execution: {@link #mark()} before it, {@link #copyChanged}
 * after it.
 */
public interface KernelFiles {

    /** For kernels that write into the output dir itself: nothing to copy. */
    KernelFiles NONE = new KernelFiles() {
        @Override
        public Object mark() {
            return null;
        }

        @Override
        public void copyChanged(Object mark) {
        }
    };

    /** What the kernel's files look like now. */
    Object mark();

    /** Copies the files created or changed since {@code mark} into the output dir; does not throw. */
    void copyChanged(Object mark);
}
