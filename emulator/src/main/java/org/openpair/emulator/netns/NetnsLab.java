package org.openpair.emulator.netns;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A small private network of Linux network namespaces on this machine, for tests and chaos runs
 * that need a real network partition: namespace {@code i} is a "host" with address {@code 10.231.X.(i+1)/24},
 * joined to the others through a bridge in the root namespace (address {@code 10.231.X.254/24},
 * so that JVM reaches every host) by a veth pair whose root end {@link #cut(int)} sets down
 * and {@link #heal(int)} sets up again. Nothing leaves the machine: the subnet exists only on
 * the bridge.
 *
 * <p>Names carry the pid of the JVM that made the lab ({@code op<pid>-n0}, bridge {@code op<pid>br}, veths
 * {@code op<pid>v0} / {@code op<pid>p0}), and {@code X} is derived from the pid and moved on
 * while some interface of this machine already has an address in {@code 10.231.X.0/24}, so
 * concurrent labs do not meet. {@link #close()} deletes the links, the bridge and the namespaces;
 * a JVM shutdown hook does the same if that JVM exits without closing, and {@link #create}
 * first removes what labs of JVMs that no longer exist (killed with {@code kill -9}) left behind.
 *
 * <p>Needs root and {@code ip} (iproute2). When either is missing, or {@code ip netns add} is
 * refused (no privilege in a container), {@link #create} throws {@link Unavailable} with the
 * reason, so that a test can skip with it.
 *
 * <p>Processes started in a namespace ({@link #exec}) are the caller's to end: deleting a
 * namespace only unmounts its name, it lives on while a process runs in it.
 */
public final class NetnsLab implements AutoCloseable {
    /** The first two octets of every lab's subnet. */
    public static final String SUBNET_PREFIX = "10.231.";
    private static final Pattern STALE_NETNS = Pattern.compile("^(op(\\d+)[a-z]?)-n\\d+\\b.*");
    private static final Pattern STALE_LINK = Pattern.compile("^\\d+:\\s+((op(\\d+)[a-z]?)(br|v\\d+))[@:].*");
    private static final long IP_TIMEOUT_SECONDS = 20;
    private static final int MAX_HOSTS = 200;

    private final String prefix;
    private final int subnet;
    private final int count;
    private final String ip;
    private final boolean[] cutState;
    private final Thread exitHook;
    private boolean closed;

    /** The lab cannot be built here: not root, no {@code ip}, or namespaces refused. */
    public static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    private NetnsLab(String ip, String prefix, int subnet, int count) {
        this.ip = ip;
        this.prefix = prefix;
        this.subnet = subnet;
        this.count = count;
        this.cutState = new boolean[count];
        this.exitHook = new Thread(this::deleteAll, prefix + "-netns-cleanup");
    }

    /**
     * Builds a lab of {@code hosts} namespaces (1-200), each with its loopback up and its address
     * reachable from the root namespace and from every other namespace.
     *
     * @throws Unavailable if this machine or user cannot have network namespaces
     */
    public static NetnsLab create(int hosts) throws Unavailable {
        if (hosts < 1 || hosts > MAX_HOSTS) {
            throw new IllegalArgumentException("a lab has 1-" + MAX_HOSTS + " namespaces: " + hosts);
        }
        long euid = effectiveUid();
        if (euid != 0) {
            throw new Unavailable("network namespaces need root; this JVM runs with effective uid " + euid);
        }
        String ip = findIp();
        if (ip == null) {
            throw new Unavailable("no 'ip' command (iproute2) in /usr/sbin, /sbin, /usr/bin or /bin");
        }
        sweepStale(ip);
        long pid = ProcessHandle.current().pid();
        String prefix = freePrefix(ip, pid);
        int subnet = freeSubnet(ip, pid);
        NetnsLab lab = new NetnsLab(ip, prefix, subnet, hosts);
        Runtime.getRuntime().addShutdownHook(lab.exitHook);
        try {
            lab.build();
        } catch (Unavailable | RuntimeException | Error e) {
            lab.close();
            throw e;
        }
        return lab;
    }

    private void build() throws Unavailable {
        Result first = run(List.of(ip, "netns", "add", namespace(0)));
        if (!first.ok()) {
            throw new Unavailable("'ip netns add " + namespace(0) + "' failed (exit " + first.exit + "): " + first.output.trim());
        }
        for (int i = 1; i < count; i++) {
            ipOrFail("netns", "add", namespace(i));
        }
        ipOrFail("link", "add", bridge(), "type", "bridge");
        ipOrFail("addr", "add", bridgeAddress() + "/24", "dev", bridge());
        ipOrFail("link", "set", bridge(), "up");
        for (int i = 0; i < count; i++) {
            ipOrFail("link", "add", rootVeth(i), "type", "veth", "peer", "name", nsVeth(i));
            ipOrFail("link", "set", nsVeth(i), "netns", namespace(i));
            ipOrFail("link", "set", rootVeth(i), "master", bridge());
            ipOrFail("link", "set", rootVeth(i), "up");
            ipOrFail("-n", namespace(i), "link", "set", "lo", "up");
            ipOrFail("-n", namespace(i), "addr", "add", address(i) + "/24", "dev", nsVeth(i));
            ipOrFail("-n", namespace(i), "link", "set", nsVeth(i), "up");
        }
    }

    /** How many namespaces ("hosts") the lab has. */
    public int size() {
        return count;
    }

    /** The name of namespace {@code i}, e.g. {@code op12345-n0}. */
    public String namespace(int i) {
        check(i);
        return prefix + "-n" + i;
    }

    /** The IPv4 address of namespace {@code i}: {@code 10.231.X.(i+1)}. */
    public String address(int i) {
        check(i);
        return SUBNET_PREFIX + subnet + "." + (i + 1);
    }

    /** The root namespace's address on the lab's bridge: {@code 10.231.X.254}. */
    public String bridgeAddress() {
        return SUBNET_PREFIX + subnet + ".254";
    }

    /** The bridge in the root namespace. */
    public String bridge() {
        return prefix + "br";
    }

    /** The root-side end of namespace {@code i}'s veth pair: the one {@link #cut} sets down. */
    public String rootVeth(int i) {
        check(i);
        return prefix + "v" + i;
    }

    private String nsVeth(int i) {
        return prefix + "p" + i;
    }

    /**
     * Cuts namespace {@code i} off: the root end of its veth goes down, so nothing passes between
     * it and the bridge (the root namespace and every other namespace) until {@link #heal}. Packets
     * are dropped, not refused: the peers see silence, as across a broken switch.
     */
    public synchronized void cut(int i) {
        check(i);
        ipOrFail("link", "set", rootVeth(i), "down");
        cutState[i] = true;
    }

    /** Reconnects namespace {@code i} cut off by {@link #cut}. */
    public synchronized void heal(int i) {
        check(i);
        ipOrFail("link", "set", rootVeth(i), "up");
        cutState[i] = false;
    }

    /** True between {@link #cut} and {@link #heal} of namespace {@code i}. */
    public synchronized boolean isCut(int i) {
        check(i);
        return cutState[i];
    }

    /** The command prefix {@code ip netns exec NAME}: what follows it runs in namespace {@code i}. */
    public List<String> execPrefix(int i) {
        return List.of(ip, "netns", "exec", namespace(i));
    }

    /** Deletes the veths, the bridge and the namespaces. Idempotent; never throws for what is already gone. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        deleteAll();
        try {
            Runtime.getRuntime().removeShutdownHook(exitHook);
        } catch (IllegalStateException e) {
            // The JVM is exiting: the hook runs (harmlessly, again) or has run.
        }
    }

    private void deleteAll() {
        // Deleting a veth end deletes its peer, inside the namespace too.
        for (int i = 0; i < count; i++) {
            quietly(ip, "link", "del", prefix + "v" + i);
        }
        quietly(ip, "link", "del", bridge());
        for (int i = 0; i < count; i++) {
            quietly(ip, "netns", "del", prefix + "-n" + i);
        }
    }

    @Override
    public String toString() {
        return "NetnsLab " + prefix + " (" + count + " namespaces, " + SUBNET_PREFIX + subnet + ".0/24, bridge " + bridge()
                + " at " + bridgeAddress() + ")";
    }

    private void check(int i) {
        if (i < 0 || i >= count) {
            throw new IllegalArgumentException("namespace index must be 0-" + (count - 1) + ": " + i);
        }
    }

    private void ipOrFail(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(ip);
        cmd.addAll(List.of(args));
        Result r = run(cmd);
        if (!r.ok()) {
            throw new IllegalStateException("'" + String.join(" ", cmd) + "' failed (exit " + r.exit + "): " + r.output.trim());
        }
    }

    private static void quietly(String... cmd) {
        run(List.of(cmd));
    }

    // ---- machine inspection -------------------------------------------------------------

    private static long effectiveUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8)) {
                if (line.startsWith("Uid:")) {
                    String[] f = line.substring(4).trim().split("\\s+");
                    return Long.parseLong(f[1]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // Fall through: unknown counts as not root.
        }
        return -1;
    }

    private static String findIp() {
        for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
            Path p = Path.of(dir, "ip");
            if (Files.isExecutable(p)) {
                return p.toString();
            }
        }
        return null;
    }

    /** {@code op<pid>}, or with a letter after it if a namespace of that name is somehow there. */
    private static String freePrefix(String ip, long pid) {
        String netns = run(List.of(ip, "netns", "list")).output;
        String links = run(List.of(ip, "-o", "link", "show")).output;
        for (int attempt = 0; attempt < 27; attempt++) {
            String candidate = "op" + pid + (attempt == 0 ? "" : String.valueOf((char) ('a' + attempt - 1)));
            if (!netns.contains(candidate + "-n") && !links.contains(candidate + "br")
                    && !links.contains(candidate + "v0")) {
                return candidate;
            }
        }
        throw new IllegalStateException("no free lab name for pid " + pid + " (op" + pid + "[a-z] all in use)");
    }

    /** An X in 1-250 whose 10.231.X.0/24 no interface here uses, starting from one derived from the pid. */
    private static int freeSubnet(String ip, long pid) {
        String used = run(List.of(ip, "-o", "-4", "addr", "show")).output + run(List.of(ip, "-4", "route", "show")).output;
        int start = (int) (pid % 250);
        for (int k = 0; k < 250; k++) {
            int x = 1 + (start + k) % 250;
            if (!used.contains(SUBNET_PREFIX + x + ".")) {
                return x;
            }
        }
        throw new IllegalStateException("every subnet 10.231.1-250.0/24 is in use on this machine");
    }

    /**
     * Removes namespaces and links that a lab of a JVM now gone left behind (that JVM was killed
     * before its shutdown hook could run). Only names of the lab's own pattern whose pid is dead.
     */
    private static void sweepStale(String ip) {
        List<String> stale = new ArrayList<>();
        for (String line : run(List.of(ip, "netns", "list")).output.lines().toList()) {
            Matcher m = STALE_NETNS.matcher(line.trim());
            if (m.matches() && !pidAlive(Long.parseLong(m.group(2)))) {
                stale.add(line.trim().split("\\s+")[0]);
            }
        }
        for (String line : run(List.of(ip, "-o", "link", "show")).output.lines().toList()) {
            Matcher m = STALE_LINK.matcher(line.trim());
            if (m.matches() && !pidAlive(Long.parseLong(m.group(3)))) {
                System.err.println("NetnsLab: deleting stale link " + m.group(1) + " of a gone JVM");
                quietly(ip, "link", "del", m.group(1));
            }
        }
        for (String ns : stale) {
            System.err.println("NetnsLab: deleting stale namespace " + ns + " of a gone JVM");
            quietly(ip, "netns", "del", ns);
        }
    }

    private static boolean pidAlive(long pid) {
        try {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        } catch (RuntimeException e) {
            return true;
        }
    }

    private record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** Runs a short command, bounded in time, and returns its exit code and merged output. */
    private static Result run(List<String> cmd) {
        Path out = null;
        try {
            out = Files.createTempFile("netnslab", ".out");
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            if (!p.waitFor(IP_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                return new Result(-1, "timed out after " + IP_TIMEOUT_SECONDS + " s: " + String.join(" ", cmd));
            }
            return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, "cannot run " + String.join(" ", cmd) + ": " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted running " + String.join(" ", cmd));
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // A temporary file left in /tmp: harmless.
                }
            }
        }
    }
}
