/**
 * The CPU link: the fast path between two CPUs of a node that process-pair checkpoints (and
 * later requests, replies and system messages) travel on. Hazelcast's own request/reply
 * costs about 340 µs on the project's machines; a checkpoint over the link costs little more
 * than a raw TCP round trip between the two JVMs.
 *
 * <p>Every CPU runs a {@link org.openpair.emulator.link.LinkServer}; a CPU that sends to
 * another opens a {@link org.openpair.emulator.link.LinkClient} to it and, on that, one
 * {@link org.openpair.emulator.link.CheckpointStream} per primary/backup pair. The receiving
 * side decides on every checkpoint through its {@link org.openpair.emulator.link.LinkHandler};
 * an ACK means "the backup holds it". Failures are
 * {@link org.openpair.emulator.link.LinkException}s whose kind says what produced them; a
 * dropped connection followed by a refused reconnect is reported as
 * {@link org.openpair.emulator.link.LinkException.Kind#PEER_GONE} (DESIGN.md, "Faster than
 * the engine"), silence never is.
 *
 * <h2>Frame format (version 1)</h2>
 * A connection carries length-prefixed binary frames, big-endian ({@link
 * org.openpair.emulator.link.FrameFormat}; the attach socket between a CPU and its Java OS
 * processes uses the same layout with frame types of its own):
 * <pre>
 *   int  length    bytes that follow this field: 26 + payload length
 *   byte version   1
 *   byte type      1 HELLO, 2 CHECKPOINT, 3 ACK, 4 NACK; 5 REQUEST, 6 REPLY, 7 SYSTEM (reserved);
 *                  8 PROOF
 *   long stream    the checkpoint stream (0 for HELLO)
 *   long epoch     the sender's epoch, echoed in ACK/NACK (0 for HELLO)
 *   long seq       the checkpoint's sequence number; for ACK the highest one acknowledged;
 *                  for HELLO the handshake: 0 without a node key, 1 with one
 *   byte[]         payload, length - 26 bytes
 * </pre>
 * <ul>
 *   <li><b>HELLO</b> is the first frame each way. Payload: {@code int cpu}, {@code int
 *       maxPayload}, with a node key 16 random bytes (this end's nonce), then the node name in
 *       UTF-8 (1-255 bytes). The server answers with its own HELLO, or with a NACK of reason
 *       {@code WRONG_NODE} and a close if the client belongs to another node (names compare
 *       case-insensitively), or of reason {@code KEY_MISMATCH} if one end has a node key and
 *       the other none.</li>
 *   <li><b>PROOF</b> (with a node key): payload the 32-byte HMAC-SHA256, under the key derived
 *       for {@code link-hello}, of the sender's role ({@code server}/{@code client}), the node,
 *       its CPU, the peer's CPU, its nonce and the peer's. The server sends its proof right
 *       after its HELLO; the client checks it and sends its own (even when the server's is
 *       wrong, so that the server sees the mismatch too); the server reads nothing else before
 *       the client's proof checks out and answers a wrong one with a NACK {@code KEY_MISMATCH}
 *       and a close ({@link org.openpair.emulator.link.LinkOptions#key()}).</li>
 *   <li><b>CHECKPOINT</b>: client to server, payload = the checkpoint. Seqs of a stream are
 *       consecutive, in send order.</li>
 *   <li><b>ACK</b>: server to client, no payload; cumulative: every seq up to and including
 *       {@code seq} on that stream and epoch was accepted. The server sends one per stream
 *       for all the checkpoints it read in one go, after its handler accepted them.</li>
 *   <li><b>NACK</b>: server to client, payload one byte, the
 *       {@link org.openpair.emulator.link.Verdict} code of the refusal of exactly {@code seq}
 *       (1 STALE_EPOCH, 2 UNKNOWN_STREAM, 3 GAP, 4 WRONG_NODE, 5 HANDLER_FAILED, 6 KEY_MISMATCH). Earlier
 *       accepted seqs are acknowledged before it.</li>
 *   <li><b>REQUEST</b>: client to server; {@code stream} is the requester's open, {@code seq}
 *       its sync ID, epoch 0. The server's {@link org.openpair.emulator.link.RequestHandler}
 *       decides: open 0 carries calls between CPUs ({@code cpu.CpuCalls}), every other open a
 *       WRITEREAD to a process ({@code messages.RequestRouter}).</li>
 *   <li><b>REPLY</b>: server to client, on the connection the REQUEST came on, with the same
 *       open and sync ID; {@code epoch} is the replier's (0 for a CPU call).</li>
 * </ul>
 * The payload limit ({@link org.openpair.emulator.link.LinkOptions#maxPayload()}, default
 * 1 MiB) is exchanged in HELLO: a client refuses locally, with an
 * {@link java.lang.IllegalArgumentException}, a checkpoint over the smaller of the two
 * limits. A received frame whose length is over the limit or under 26, whose version or type
 * is wrong, that arrives out of turn, that is cut short by a close, or whose bytes stop
 * coming for {@link org.openpair.emulator.link.LinkOptions#stallTimeout()} closes that
 * connection with a logged error; the server goes on serving the others.
 *
 * <p>Measure it with {@code org.openpair.bench.LinkBenchmark} (the bench module).
 */
package org.openpair.emulator.link;
