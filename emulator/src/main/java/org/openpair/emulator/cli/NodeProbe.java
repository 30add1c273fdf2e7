package org.openpair.emulator.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.openpair.emulator.config.NodeConfig;

/**
 * A plain TCP connect to every member address at once, before a command starts an engine
 * client: when nothing listens anywhere, the client would spend its whole connect timeout
 * (seconds) retrying before it gives up, while a refused connect says so in a millisecond.
 * Only a definite "nobody there" counts: any address that accepts, whatever listens there,
 * sends the command on to the engine, which decides.
 */
final class NodeProbe {
    static final Duration TIMEOUT = Duration.ofMillis(250);

    private NodeProbe() {
    }

    /**
     * What the probe found.
     *
     * @param answered true when some address accepted a connection (or the probe itself could not run)
     * @param reasons  why the others did not, e.g. "connection refused"
     */
    record Result(boolean answered, Set<String> reasons) {
    }

    static Result probe(List<String> hostPorts, Duration timeout) {
        Set<String> reasons = new LinkedHashSet<>();
        List<SocketChannel> channels = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            int pending = 0;
            for (String hostPort : hostPorts) {
                InetSocketAddress address = new InetSocketAddress(NodeConfig.hostOf(hostPort), NodeConfig.portOf(hostPort));
                if (address.isUnresolved()) {
                    reasons.add("unknown host " + address.getHostString());
                    continue;
                }
                SocketChannel channel = SocketChannel.open();
                channels.add(channel);
                channel.configureBlocking(false);
                try {
                    if (channel.connect(address)) {
                        return new Result(true, Set.of());
                    }
                    channel.register(selector, SelectionKey.OP_CONNECT);
                    pending++;
                } catch (IOException e) {
                    reasons.add(reason(e));
                }
            }
            long deadline = System.nanoTime() + timeout.toNanos();
            while (pending > 0) {
                long leftMillis = (deadline - System.nanoTime()) / 1_000_000;
                if (leftMillis <= 0) {
                    reasons.add("no answer within " + timeout.toMillis() + " ms");
                    break;
                }
                selector.select(leftMillis);
                for (SelectionKey key : selector.selectedKeys()) {
                    try {
                        if (((SocketChannel) key.channel()).finishConnect()) {
                            return new Result(true, Set.of());
                        }
                    } catch (IOException e) {
                        reasons.add(reason(e));
                        key.cancel();
                        pending--;
                    }
                }
                selector.selectedKeys().clear();
            }
            return new Result(false, reasons);
        } catch (IOException | RuntimeException e) {
            // The probe is a shortcut only: when it cannot run, the engine decides as before.
            return new Result(true, Set.of());
        } finally {
            for (SocketChannel channel : channels) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // nothing was sent on it; the kernel frees it either way
                }
            }
        }
    }

    private static String reason(IOException e) {
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to host";
        }
        return String.valueOf(e.getMessage()).toLowerCase(java.util.Locale.ROOT);
    }

    /**
     * The addresses in few words: {@code 127.0.0.1:5801-5816} for one host's consecutive ports,
     * else the first and last with the count.
     */
    static String summarize(List<String> hostPorts) {
        if (hostPorts.isEmpty()) {
            return "(no address)";
        }
        Set<String> hosts = new TreeSet<>();
        TreeSet<Integer> ports = new TreeSet<>();
        hostPorts.forEach(hp -> {
            hosts.add(NodeConfig.hostOf(hp));
            ports.add(NodeConfig.portOf(hp));
        });
        if (hosts.size() == 1 && ports.size() == hostPorts.size()
                && ports.last() - ports.first() == ports.size() - 1) {
            String host = hosts.iterator().next();
            return ports.size() == 1 ? host + ":" + ports.first() : host + ":" + ports.first() + "-" + ports.last();
        }
        if (hostPorts.size() <= 3) {
            return String.join(", ", hostPorts);
        }
        return hostPorts.get(0) + " ... " + hostPorts.get(hostPorts.size() - 1) + " (" + hostPorts.size() + " addresses)";
    }
}
