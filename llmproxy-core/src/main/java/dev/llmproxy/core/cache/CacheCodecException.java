package dev.llmproxy.core.cache;

/**
 * A stored cache entry could not be decoded: corrupt, truncated, written by an incompatible
 * version, or not a cache entry at all. Caches treat it as a miss (and count an error); the entry
 * is overwritten by the next store.
 */
public final class CacheCodecException extends RuntimeException {

    public CacheCodecException(String message) {
        super(message);
    }
}
