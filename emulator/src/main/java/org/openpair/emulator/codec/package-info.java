/**
 * The runtime's own codec: how every value that crosses a process boundary through the engine
 * (table entries, table updates and their results, CPU tasks and replies), the CPU link's
 * notifications and calls, or the attach socket between a CPU and its Java OS processes is
 * written, independent of the engine and of Java serialization, so that the public API's shape
 * is never the wire format. Here are the mechanism and the public API's codecs; the runtime's
 * own types have theirs beside them ({@code names.NameCodecs}, {@code node.NodeTableCodecs},
 * {@code node.CpuCallCodecs}, {@code semaphores.SemaphoreCodecs}, {@code attach.AttachCodecs},
 * {@code messages.MessageFormat}, {@code pairs.CheckpointRecord}, {@code events.EventCodecs}),
 * so this package depends on nothing of the runtime. Nothing here imports the engine; the
 * {@code cluster} package hands the codecs the runtime lists to it.
 *
 * <p>A value is its fields in a fixed order, big-endian ({@link org.openpair.emulator.codec.Encoder},
 * {@link org.openpair.emulator.codec.Decoder}); a family of types is a member's type id and then
 * its fields ({@link org.openpair.emulator.codec.Union}); enums travel by explicit codes
 * ({@link org.openpair.emulator.codec.EnumCode}). Anything else read is a
 * {@link org.openpair.emulator.codec.CodecException}.
 *
 * <h2>Type ids</h2>
 * Stable once released; a changed layout takes a new id. The engine stores them as its
 * serializer type ids, so they are positive and unique across all blocks:
 * <table>
 * <caption>Blocks</caption>
 * <tr><td>1-99</td><td>the JDK's plain values ({@link org.openpair.emulator.codec.Scalars})</td></tr>
 * <tr><td>100-199</td><td>the public API's values ({@link org.openpair.emulator.codec.GuardianCodecs})</td></tr>
 * <tr><td>200-299</td><td>the CPU and process tables ({@link org.openpair.emulator.node.NodeTableCodecs})</td></tr>
 * <tr><td>300-399</td><td>the name table, and the seal of the records that decide who is primary (310) ({@link org.openpair.emulator.names.NameCodecs})</td></tr>
 * <tr><td>400-499</td><td>calls between CPUs ({@link org.openpair.emulator.node.CpuCallCodecs})</td></tr>
 * <tr><td>500-599</td><td>robust semaphores ({@code semaphores.SemaphoreCodecs})</td></tr>
 * <tr><td>600-699</td><td>the engine's own probes ({@code cluster.SafetyProbe}, {@code cluster.EchoTask}) and the wrappers that run a table update ({@code cluster.EngineUpdate}, 610) and a call on another member ({@code cluster.EngineCall}, 611), each carrying what it runs by that one's own codec)</td></tr>
 * <tr><td>700-799</td><td>the attach socket's payloads: handshake, errors, each call's arguments and answers ({@code attach.AttachCodecs})</td></tr>
 * <tr><td>800-899</td><td>the message system's requests and replies on the CPU link ({@code messages.MessageFormat}: 801, 802)</td></tr>
 * <tr><td>900-999</td><td>checkpoint records, a primary's to its backup: the program's bytes, state changes, replies, a new backup's state transfer ({@code pairs.CheckpointRecord})</td></tr>
 * <tr><td>1000-1099</td><td>the event log: a record (1001), its event by kind (1002; each kind 1010-1019), the {@code EVENTS} call's question and answer (1020, 1021) ({@code events.EventCodecs})</td></tr>
 * </table>
 */
package org.openpair.emulator.codec;
