package dev.codebox.internal;

import java.util.Locale;

/** Parses and prints sizes in docker's notation: a number with an optional unit b, k, m or g (powers of 1024). */
public final class ByteSize {

    private ByteSize() {
    }

    /**
     * The number of bytes of {@code text} such as {@code 512m}, {@code 1g}, {@code 1.5g} or {@code 65536}.
     *
     * @throws IllegalArgumentException when the text is not such a size or is not positive
     */
    public static long parse(String text) {
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.endsWith("ib")) {
            value = value.substring(0, value.length() - 2);
        } else if (value.length() > 1 && value.endsWith("b") && Character.isLetter(value.charAt(value.length() - 2))) {
            value = value.substring(0, value.length() - 1);
        }
        long unit = 1;
        char last = value.isEmpty() ? ' ' : value.charAt(value.length() - 1);
        switch (last) {
            case 'k': unit = 1L << 10; break;
            case 'm': unit = 1L << 20; break;
            case 'g': unit = 1L << 30; break;
            case 'b': unit = 1; break;
            default:
                if (Character.isLetter(last)) {
                    throw new IllegalArgumentException("a size's unit is b, k, m or g (such as 512m), was " + text);
                }
                break;
        }
        if (Character.isLetter(last)) {
            value = value.substring(0, value.length() - 1);
        }
        try {
            double number = Double.parseDouble(value);
            long bytes = (long) (number * unit);
            if (!(number > 0) || bytes <= 0) {
                throw new IllegalArgumentException("a size must be positive, was " + text);
            }
            return bytes;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a size is a number with an optional unit b, k, m or g (such as 512m), was " + text);
        }
    }

    /** {@code bytes} in the largest unit that divides it: {@code 512 MiB}, {@code 1 GiB}, {@code 1000 B}. */
    public static String format(long bytes) {
        String[] units = {"GiB", "MiB", "KiB"};
        long[] sizes = {1L << 30, 1L << 20, 1L << 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes % sizes[i] == 0) {
                return bytes / sizes[i] + " " + units[i];
            }
        }
        return bytes + " B";
    }
}
