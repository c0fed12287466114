package dev.llmproxy.core.project;

/**
 * A stored upstream key could not be decrypted: {@code ENCRYPTION_KEY} is missing or differs from
 * the one the key was encrypted with, or the stored value was altered. The proxy answers 503
 * ({@code upstream_auth_error}) rather than sending anything upstream. The message says which case
 * applies and never contains key material.
 */
public final class KeyDecryptionException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public KeyDecryptionException(String message) {
        super(message);
    }
}
