package dev.llmproxy.eventbus;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The immutable, case-insensitive sorted map {@link Redaction#headers} returns: two parallel
 * arrays sorted with {@link String#CASE_INSENSITIVE_ORDER}, looked up by binary search.
 *
 * <p>Why not a {@code TreeMap}: an event carries two header maps and the proxy builds them for
 * every upstream exchange; a tree costs a node per header plus rebalancing and several
 * case-insensitive comparisons per insert, this costs two arrays. It behaves like the
 * unmodifiable {@code TreeMap} it replaces: same order, same {@code equals}/{@code hashCode}/
 * {@code toString}, mutators throw {@link UnsupportedOperationException}. The rarely used range
 * views ({@link #subMap}, {@link #headMap}, {@link #tailMap}) are served from a tree copy.
 */
final class HeaderMap extends AbstractMap<String, String> implements SortedMap<String, String> {

    private static final Comparator<String> ORDER = String.CASE_INSENSITIVE_ORDER;

    private final String[] keys;
    private final String[] values;
    private Set<Map.Entry<String, String>> entries;

    /** Takes over the arrays: {@code keys} sorted by {@link #ORDER}, unique without regard to case. */
    HeaderMap(String[] keys, String[] values) {
        this.keys = keys;
        this.values = values;
    }

    private int indexOf(Object key) {
        if (!(key instanceof String)) {
            return -1;
        }
        String k = (String) key;
        int lo = 0;
        int hi = keys.length - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = ORDER.compare(keys[mid], k);
            if (c < 0) {
                lo = mid + 1;
            } else if (c > 0) {
                hi = mid - 1;
            } else {
                return mid;
            }
        }
        return -1;
    }

    @Override
    public int size() {
        return keys.length;
    }

    @Override
    public boolean isEmpty() {
        return keys.length == 0;
    }

    @Override
    public String get(Object key) {
        int i = indexOf(key);
        return i < 0 ? null : values[i];
    }

    @Override
    public boolean containsKey(Object key) {
        return indexOf(key) >= 0;
    }

    @Override
    public Set<Map.Entry<String, String>> entrySet() {
        Set<Map.Entry<String, String>> e = entries;
        if (e == null) {
            e = new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, String>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < keys.length;
                        }

                        @Override
                        public Map.Entry<String, String> next() {
                            if (next >= keys.length) {
                                throw new NoSuchElementException();
                            }
                            int i = next++;
                            return new AbstractMap.SimpleImmutableEntry<>(keys[i], values[i]);
                        }
                    };
                }

                @Override
                public int size() {
                    return keys.length;
                }
            };
            entries = e;
        }
        return e;
    }

    @Override
    public Comparator<? super String> comparator() {
        return ORDER;
    }

    @Override
    public String firstKey() {
        if (keys.length == 0) {
            throw new NoSuchElementException();
        }
        return keys[0];
    }

    @Override
    public String lastKey() {
        if (keys.length == 0) {
            throw new NoSuchElementException();
        }
        return keys[keys.length - 1];
    }

    @Override
    public SortedMap<String, String> subMap(String fromKey, String toKey) {
        return tree().subMap(fromKey, toKey);
    }

    @Override
    public SortedMap<String, String> headMap(String toKey) {
        return tree().headMap(toKey);
    }

    @Override
    public SortedMap<String, String> tailMap(String fromKey) {
        return tree().tailMap(fromKey);
    }

    private SortedMap<String, String> tree() {
        TreeMap<String, String> t = new TreeMap<>(ORDER);
        for (int i = 0; i < keys.length; i++) {
            t.put(keys[i], values[i]);
        }
        return Collections.unmodifiableSortedMap(t);
    }
}
