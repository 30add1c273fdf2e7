package org.openpair.chaos;

/**
 * How a request ended for its client, in Jepsen's terms: {@code ok}, {@code fail} (definitely
 * not executed) or {@code info} (unknown: it may have been executed, now or later).
 */
enum Outcome {
    /** A reply that says the request took effect. */
    OK,
    /**
     * Definitely without effect: a reply that refuses it, or a Guardian error raised before the
     * request could reach a server (16 closed open, 22 too big, 74/44 no room at the server).
     */
    FAILED,
    /** The client cannot know: 40 timeout, 201 path down, 210, 2, 60, or any other error. */
    UNKNOWN
}
