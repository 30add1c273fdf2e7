/**
 * The message system: opens of named processes, WRITEREAD, $RECEIVE, and the exactly-once rule
 * across takeovers (GUARDIAN.md, "Message system").
 *
 * <h2>The path of a request</h2>
 * A requester ({@link org.openpair.emulator.messages.ProcessOpen}) binds to the pair's primary
 * as the name table shows it and sends each request as a REQUEST frame on the CPU link to that
 * primary's CPU (a CPU uses its own links, {@code guardian send} connects as a requester that is
 * not a CPU: {@link org.openpair.emulator.messages.RequesterLinks}). The frame carries the open
 * ID and the sync ID; its payload ({@link org.openpair.emulator.messages.MessageFormat}) names the
 * target by PIN and verifier. The server CPU's {@link org.openpair.emulator.messages.RequestRouter}
 * hands it to the target's {@link org.openpair.emulator.messages.ReceiveQueue}, which decides:
 * already answered (answer from the saved reply), being answered (wait for that answer), too old
 * (refuse), or new (queue it for READUPDATE).
 *
 * <h2>Exactly once</h2>
 * REPLY ({@link org.openpair.emulator.messages.PendingRequest}) records the reply in the pair's
 * {@link org.openpair.emulator.pairs.SavedReplies} and checkpoints it to the backup in one
 * record with the state change the request made; the reply leaves only when the backup
 * acknowledged that record. A backup applies saved replies the moment it accepts them, so after
 * a takeover the new primary recognises every request the old one answered. When the path to the
 * primary breaks (the server ended: 201 from its CPU; its CPU died: the link reports it; its CPU
 * hangs: the requester sees the name move on while it waits), the requester looks the name up
 * again and, with sync depth ≥ 1, resends with the same sync ID to the new primary. The new
 * primary executes the request if the old one never checkpointed its reply (then its state
 * change did not reach the backup either), or answers from the saved reply if it did.
 *
 * <h2>Fencing</h2>
 * Only a primary serves: a backup, or a primary that was fenced, answers 210 and the requester
 * looks again. A fenced primary's reply never leaves, because its checkpoint is refused first
 * (the backup, now primary, refuses the old epoch). A requester accepts no reply carrying an
 * epoch older than the one it is bound to, and its binding only moves to a member of the same
 * pair (same name and creation time) at a higher epoch.
 */
package org.openpair.emulator.messages;
