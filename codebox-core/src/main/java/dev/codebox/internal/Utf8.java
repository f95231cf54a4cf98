package dev.codebox.internal;

/** Character-boundary helpers for cutting UTF-8 byte runs. */
final class Utf8 {

    private Utf8() {
    }

    /** Length of {@code bytes[0, length)} without a trailing, incomplete multi-byte sequence. */
    static int completePrefixLength(byte[] bytes, int length) {
        for (int back = 1; back <= 3 && back <= length; back++) {
            int b = bytes[length - back] & 0xff;
            if ((b & 0xc0) == 0x80) {
                continue;
            }
            int needed = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
            return needed > back ? length - back : length;
        }
        return length;
    }

    /** How many leading bytes are continuation bytes of a sequence that started before (at most 3). */
    static int continuationPrefixLength(byte[] bytes) {
        int n = 0;
        while (n < 3 && n < bytes.length && (bytes[n] & 0xc0) == 0x80) {
            n++;
        }
        return n;
    }
}
