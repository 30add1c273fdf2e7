package org.openpair.guardian;

import java.time.Duration;
import java.util.Optional;

/**
 * A server's $RECEIVE: the requests its openers sent, read with READUPDATE and answered with
 * {@link ReceivedRequest#reply}. Requests that arrive before the process opened $RECEIVE
 * wait for it.
 *
 * <p><b>The exactly-once rule.</b> Reply with the state change as the reply's checkpoint,
 * {@link ReceivedRequest#reply(byte[], byte[])}: the change, the reply and the opener's sync ID
 * reach the backup as one checkpoint, and the reply leaves only once the backup holds it. A
 * request resent after a takeover is then either answered from the saved reply (its change
 * is in the backup's state) or executed for the first time (its change is not). A server that
 * checkpoints the change by itself and replies afterwards breaks the rule: if the primary
 * dies between the two, the backup has the change but not the reply, and executes the resent
 * request a second time.
 */
public interface Receive {

    /** The receive depth: how many requests may be read and not yet replied to. */
    int receiveDepth();

    /**
     * READUPDATE: the next request, or empty when none arrived within {@code timeout}.
     *
     * @throws GuardianException 74 {@link #receiveDepth()} requests are read and not replied
     *                           to; 210 this process is no longer the primary
     */
    Optional<ReceivedRequest> readUpdate(Duration timeout);
}
