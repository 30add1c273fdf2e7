package org.openpair.emulator.cpu;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.openpair.emulator.cluster.Membership;
import org.openpair.emulator.link.ReplyPath;
import org.openpair.emulator.link.RequestHandler;
import org.openpair.emulator.threads.SystemThreads;

/**
 * The lease that lets a hung CPU's pairs be taken over in about a second, while the engine's
 * heartbeat stays at seconds and does not flap (DESIGN.md, contract 5; openpair(7), "Leases").
 *
 * <p><b>Holding.</b> Every {@link Settings#renew} this CPU asks every other CPU it sees, over
 * the CPU link, to renew its lease; when enough grant it ({@link #needed}), its lease runs until
 * the round's <i>send</i> time plus the lease length. Its primaries act as such only while it
 * runs ({@link #held}, read on the reply path): a CPU thawed after SIGSTOP or a long pause finds
 * its lease over before its first act and stays silent until it has a new one.
 *
 * <p><b>Taking over.</b> A grant runs for the lease length from its arrival at the grantor
 * ({@link LeaseGrants}). When the grant this CPU gave a member runs out, this CPU stops granting
 * it and asks the others to do the same. Once a quorum of CPUs (this one included) has promised
 * it, the holder can never again gather enough grants, and the longest grant any of them had
 * left bounds the holder's own belief; after that much, plus {@link Settings#margin} for clock
 * rates and scheduling, its lease has surely ended, and this CPU hands the member to the engine
 * ({@link Membership#evict}), whose removal starts the takeovers as after any CPU loss. A member
 * thawed later finds itself out of the node and halts what it ran when it merges back.
 *
 * <p><b>Not taking over a CPU that carries a pair alone.</b> A CPU that runs the only member of a
 * pair able to carry it (a primary whose backup is gone or not ready yet, as right after a
 * takeover) says so before each renewal ({@link LeaseWire.Ask#ALONE}); a grant given after such
 * a notice is not ended by a takeover on the lease: this CPU starts none and refuses the others'
 * revocations. Taking that CPU over loses the pair outright, while a pause of a second or two (a
 * GC pause on a loaded machine lost a pair so in a chaos run) ends and harms nothing; the
 * engine's heartbeat, slower to call a CPU dead, decides about it instead. Its primaries are
 * silent meanwhile all the same, since its own lease has ended.
 *
 * <p>Two-CPU nodes have a quorum of one: the holder then needs the grant of every CPU it sees
 * that has granted it before, so a backup's CPU that can take its primary over on the lease is
 * always one whose grant the primary needed.
 *
 * <p>One thread of its own ticks every {@value #TICK_MILLIS} ms; grants are answered on the
 * link's reader thread (a few map operations).
 */
final class Lease implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Lease.class.getName());
    static final long TICK_MILLIS = 20;
    /** How long a takeover waits for the others' answers before it asks again. */
    private static final long ROUND_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How long a lost takeover waits before it asks again. */
    private static final long RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** How many times a takeover hands a member that stays listed to the engine again (once a second). */
    private static final int EVICT_ATTEMPTS = 30;

    /** The lease's timing. */
    record Settings(Duration length, Duration renew, Duration margin) {
        static Settings of(Duration length) {
            long ms = length.toMillis();
            return new Settings(length, Duration.ofMillis(Math.max(20, ms / 10)), Duration.ofMillis(Math.max(20, ms / 10)));
        }
    }

    /** How a lease message reaches another CPU: null when no link to it is up now. */
    interface Transport {
        CompletableFuture<ByteBuffer> ask(int cpu, ByteBuffer request);
    }

    private final int self;
    private final Membership membership;
    private final int quorum;
    private final Settings settings;
    private final Transport transport;
    private final java.util.function.BiConsumer<Integer, String> onEviction;
    /** Stops this CPU's primaries ({@code process.ProcessTable#fencePrimaries}). */
    private final java.util.function.Consumer<String> fence;
    /** Whether this CPU carries a pair alone now ({@code process.ProcessTable#carriesPairAlone}). */
    private final java.util.function.BooleanSupplier carriesPairAlone;
    /** Members whose expired grant said they carry a pair alone, already logged as left to the heartbeat. */
    private final java.util.Set<UUID> leftToHeartbeat = new java.util.HashSet<>();
    /** When the last tick ended; touched only by {@link #thread}. */
    private long lastTickEnd;
    /** This CPU's member identity when the last tick ran; touched only by {@link #thread}. */
    private UUID identity;
    /** The member identity this CPU last fenced its primaries for on a revocation; one fence each. */
    private volatile UUID fencedFor;
    private final LeaseGrants grants;
    private final long lengthNanos;
    private final long renewNanos;
    private final long marginNanos;
    private final ScheduledExecutorService thread;
    private final Object holding = new Object();
    /** When this CPU's lease ends (monotonic); meaningful once {@link #established}. */
    private volatile long validUntil;
    private volatile boolean established;
    /** Whose grants this CPU needs: CPU → the member that granted it (two-CPU rule). */
    private final Map<Integer, UUID> granted = new java.util.concurrent.ConcurrentHashMap<>();
    private long lastRenew;
    /**
     * Since a pause of a whole lease, until a round sent after it is granted by a quorum less
     * this CPU: a grant and a promise to revoke exclude each other at every grantor, and a
     * takeover needs a quorum of promises, which meets any such round's grantors in one CPU at
     * least, so such a round shows no takeover of this member won.
     */
    private volatile boolean inDoubt;
    private volatile long doubtSince;
    private volatile long doubtGap;
    /** The takeovers under way, by member; touched only by {@link #thread}. */
    private final Map<UUID, Takeover> takeovers = new HashMap<>();
    /** Members whose takeover was lost, and when it may be tried again; touched only by {@link #thread}. */
    private final Map<UUID, Long> retryAfter = new HashMap<>();
    private volatile boolean closed;
    /** For this package's tests: a CPU whose lease neither renews nor answers, as a hung one's. */
    private volatile boolean suspended;
    /** Whether this CPU takes others over on their lease (default), or leaves that to the heartbeat. */
    private volatile boolean acting = true;
    private final AtomicInteger evictions = new AtomicInteger();

    /**
     * @param onEviction told (on the lease thread) what this CPU handed the engine, for the event log
     */
    Lease(int self, Membership membership, int quorum, Settings settings, Transport transport,
          java.util.function.Consumer<String> fence, java.util.function.BooleanSupplier carriesPairAlone,
          java.util.function.BiConsumer<Integer, String> onEviction) {
        this.fence = fence;
        this.carriesPairAlone = carriesPairAlone;
        this.self = self;
        this.membership = membership;
        this.quorum = quorum;
        this.settings = settings;
        this.transport = transport;
        this.onEviction = onEviction;
        this.lengthNanos = settings.length().toNanos();
        this.renewNanos = settings.renew().toNanos();
        this.marginNanos = settings.margin().toNanos();
        // Sticky: a revocation is refused while this CPU heard the holder within the last half lease.
        this.grants = new LeaseGrants(lengthNanos, lengthNanos / 2, Math.max(TimeUnit.SECONDS.toNanos(10), 10 * lengthNanos),
                System.nanoTime());
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> SystemThreads.daemon(r, "cpu" + self + "-lease"));
    }

    void start() {
        thread.scheduleWithFixedDelay(this::tick, 0, TICK_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Whether this CPU's primaries may act as primaries now. */
    boolean held() {
        return established && System.nanoTime() - validUntil < 0;
    }

    Settings settings() {
        return settings;
    }

    /** How many members this CPU handed the engine on their lease. */
    int evictions() {
        return evictions.get();
    }

    /** For this package's tests: whether this CPU's last grant to CPU {@code cpu} followed an ALONE notice. */
    boolean grantedAloneForTests(int cpu) {
        LeaseGrants.Grant g = grants.grantOf(cpu);
        return g != null && g.alone();
    }

    /** For this package's tests: stops renewing and answering, or goes on, as a CPU hung and thawed. */
    void suspendForTests(boolean on) {
        suspended = on;
    }

    /** The lease's requests on this CPU's link server; every other open goes to {@code next}. */
    RequestHandler handler(RequestHandler next) {
        return (openId, syncId, payload, path) -> {
            if (openId == LeaseWire.OPEN) {
                answer(syncId, payload, path);
            } else {
                next.onRequest(openId, syncId, payload, path);
            }
        };
    }

    private void answer(long syncId, ByteBuffer payload, ReplyPath path) {
        ByteBuffer reply = answerTo(payload);
        if (reply != null) {
            path.reply(LeaseWire.OPEN, syncId, 0, reply);
        }
    }

    /** What this CPU answers a lease message; null: nothing (a suspended lease, in tests). */
    ByteBuffer answerTo(ByteBuffer payload) {
        LeaseWire.Request r = LeaseWire.readRequest(payload);
        long now = System.nanoTime();
        ByteBuffer reply;
        if (suspended) {
            return null;
        }
        if (r == null || closed) {
            reply = LeaseWire.reply(LeaseWire.Answer.UNREADABLE, 0);
        } else if (r.ask() != LeaseWire.Ask.RENEW && !membership.isMember(r.sender())) {
            // A CPU the node removed (thawed, not merged back yet) decides nobody's fate.
            reply = LeaseWire.reply(LeaseWire.Answer.NOT_A_MEMBER, 0);
        } else if (r.ask() == LeaseWire.Ask.RENEW) {
            reply = LeaseWire.reply(grants.renew(r.cpu(), r.member(), membership.isMember(r.member()), now), 0);
        } else if (r.ask() == LeaseWire.Ask.ALONE) {
            grants.aloneNotice(r.member(), now);
            reply = LeaseWire.reply(LeaseWire.Answer.NOTED, 0);
        } else if (r.ask() == LeaseWire.Ask.EVICT) {
            // Off the link's reader: handing a member to the engine may wait on it.
            try {
                thread.execute(() -> evictFor(r.cpu(), r.member(), "CPU " + r.cpu() + "'s lease ended (another CPU's "
                        + "takeover won its quorum)"));
                reply = LeaseWire.reply(LeaseWire.Answer.EVICTING, 0);
            } catch (RejectedExecutionException closing) {
                reply = LeaseWire.reply(LeaseWire.Answer.UNREADABLE, 0);
            }
        } else {
            LeaseWire.Reply answer = grants.revoke(r.cpu(), r.member(), now);
            reply = LeaseWire.reply(answer.answer(), answer.remainingNanos());
        }
        return reply;
    }

    private void tick() {
        try {
            if (closed || suspended || !membership.isRunning()) {
                return;
            }
            long now = System.nanoTime();
            // From the previous tick's end: a tick slowed by its own work is no sign of a frozen CPU.
            long gap = lastTickEnd == 0 ? 0 : now - lastTickEnd;
            if (gap >= lengthNanos) {
                // Frozen (SIGSTOP, a long pause) for a whole lease: the others may have taken this
                // CPU over, or may have been frozen with it (one loaded machine). Its primaries
                // have been silent since the lease ended and stay so; whether they stop is for
                // the others to say (see inDoubt). Stopping them here cost a chaos run every pair:
                // two CPUs paused by the same GC stall fenced each other's primaries and backups.
                LOG.log(System.Logger.Level.WARNING, "CPU {0} could not run for {1} ms, longer than its lease: its "
                        + "primaries stay silent until the others renew it, and stop if they took it over", self,
                        gap / 1_000_000);
                doubtGap = gap;
                doubtSince = now;
                inDoubt = true;
                // Its grants ran out because it was frozen, not because the others fell silent.
                forgetGrants("it could not run for " + gap / 1_000_000 + " ms");
            } else if (inDoubt && now - doubtSince >= lengthNanos) {
                // No quorum renewed it within a lease of the thaw: it cannot show it was not taken over.
                endDoubt(true, "no quorum of CPUs renewed its lease within " + settings.length().toMillis()
                        + " ms of the pause");
            }
            UUID me = membership.localMember();
            if (!me.equals(identity)) {
                if (identity != null) {
                    // Merged back under a new identity: what it granted before was granted by a member
                    // the node removed, and its view of who renewed is stale.
                    forgetGrants("it is a member again under a new identity");
                }
                identity = me;
            }
            List<Membership.CpuMember> members = membership.cpuMembers();
            if (now - lastRenew >= renewNanos) {
                lastRenew = now;
                renew(now, members, null);
            }
            grants.prune(membership::isMember, now);
            takeOver(now);
        } catch (RuntimeException e) {
            // The member is shutting down, or a view could not be read: the next tick tries again.
            LOG.log(System.Logger.Level.DEBUG, "CPU {0}: lease tick failed: {1}", self, e.toString());
        } finally {
            lastTickEnd = System.nanoTime();
        }
    }

    // ---- holding ------------------------------------------------------------------------

    /**
     * A renewal off the usual beat, for a change in whether this CPU carries a pair alone: a
     * backup just made ready should make this CPU one to take over on its lease at once, not at
     * the next beat (a freeze in between was left to the heartbeat). Completes true once the
     * grants it needs came (at once when none is needed), false if it cannot run; never when
     * they do not come, so the caller bounds its wait.
     */
    CompletableFuture<Boolean> renewNow() {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                if (closed || suspended || !membership.isRunning()) {
                    done.complete(false);
                    return;
                }
                try {
                    long now = System.nanoTime();
                    lastRenew = now;
                    renew(now, membership.cpuMembers(), done);
                } catch (RuntimeException e) {
                    // A view that could not be read: the usual beat tries again.
                    done.complete(false);
                }
            });
        } catch (RejectedExecutionException closing) {
            done.complete(false);
        }
        return done;
    }

    /** @param roundGranted completed true once the round has the grants it needs; may be null */
    private void renew(long sentAt, List<Membership.CpuMember> members, CompletableFuture<Boolean> roundGranted) {
        UUID me = membership.localMember();
        Map<Integer, UUID> seen = new HashMap<>();
        for (Membership.CpuMember m : members) {
            if (!m.local()) {
                seen.put(m.cpu(), m.member());
            }
        }
        int others = seen.size();
        // A grant counts for the member that gave it: a CPU started again has not granted yet.
        granted.entrySet().removeIf(e -> !e.getValue().equals(seen.get(e.getKey())));
        int needed = needed(others);
        if (needed == 0) {
            if (inDoubt) {
                // Nobody's grant is needed (two-CPU node alone): nothing can show it was not taken over.
                endDoubt(true, "no other CPU's grant can show it was not taken over");
            }
            extend(sentAt);
            if (roundGranted != null) {
                roundGranted.complete(true);
            }
        }
        if (others == 0) {
            return;
        }
        AtomicInteger grantsSeen = new AtomicInteger();
        ByteBuffer ask = LeaseWire.request(LeaseWire.Ask.RENEW, self, me, me);
        ByteBuffer notice = carriesPairAlone.getAsBoolean() ? LeaseWire.request(LeaseWire.Ask.ALONE, self, me, me) : null;
        for (Membership.CpuMember m : members) {
            if (m.local()) {
                continue;
            }
            if (notice != null) {
                // Same link, just before the renewal: the grant that answers it carries the notice.
                transport.ask(m.cpu(), notice.duplicate());
            }
            CompletableFuture<ByteBuffer> f = transport.ask(m.cpu(), ask.duplicate());
            if (f == null) {
                continue;
            }
            f.thenAccept(bytes -> {
                LeaseWire.Reply reply = LeaseWire.readReply(bytes);
                if (reply.answer() == LeaseWire.Answer.GRANTED) {
                    granted.put(m.cpu(), m.member());
                    if (grantsSeen.incrementAndGet() == needed) {
                        if (inDoubt && sentAt - doubtSince >= 0) {
                            endDoubt(false, "CPU " + m.cpu() + " renewed its lease after the pause");
                        }
                        extend(sentAt);
                        if (roundGranted != null) {
                            roundGranted.complete(true);
                        }
                    }
                } else if (reply.answer() == LeaseWire.Answer.REVOKED && !held() && !me.equals(fencedFor)) {
                    // Its lease is over and the others are taking it over: its primaries stop now
                    // rather than when the engine's eviction reaches this member.
                    fencedFor = me;
                    LOG.log(System.Logger.Level.WARNING, "CPU {0}: its lease ended and CPU {1} no longer grants it (a "
                            + "takeover is under way): stopping its primaries", self, m.cpu());
                    fence.accept("CPU " + self + "'s lease ended and the other CPUs are taking it over");
                    inDoubt = false;
                }
            });
        }
    }

    /**
     * How many other CPUs must grant a round: a quorum less this CPU; with a quorum of one, every
     * CPU in view that has granted this member's lease before (0 when there is none).
     */
    private int needed(int others) {
        if (quorum >= 2) {
            return quorum - 1;
        }
        return Math.min(others, granted.size());
    }

    /**
     * Drops what this CPU knows of others' renewals and the takeovers it has not won: after its own
     * freeze or merge, an expired grant says nothing about the holder, and a takeover begun on it
     * would chase a healthy CPU.
     */
    private void forgetGrants(String why) {
        grants.clearGrants(System.nanoTime());
        takeovers.values().removeIf(t -> {
            if (!t.won) {
                grants.withdraw(t.member);
                return true;
            }
            return false;
        });
        retryAfter.clear();
        LOG.log(System.Logger.Level.INFO, "CPU {0}: forgets the grants it gave: {1}", self, why);
    }

    /** Ends the doubt after a pause: the primaries stop ({@code fence}), or go on as the lease allows. */
    private synchronized void endDoubt(boolean fencePrimaries, String why) {
        if (!inDoubt) {
            return;
        }
        inDoubt = false;
        if (fencePrimaries) {
            LOG.log(System.Logger.Level.WARNING, "CPU {0}: {1}: stopping its primaries", self, why);
            fence.accept("CPU " + self + " was suspended for " + doubtGap / 1_000_000 + " ms, longer than its lease of "
                    + settings.length().toMillis() + " ms, and " + why);
        } else {
            LOG.log(System.Logger.Level.INFO, "CPU {0}: {1}: nobody took it over, its primaries go on", self, why);
        }
    }

    /** For this package's tests: the lease thread does not run for {@code pause}, as in a long GC pause. */
    java.util.concurrent.Future<?> stallForTests(Duration pause) {
        return thread.submit(() -> {
            try {
                Thread.sleep(pause.toMillis());
            } catch (InterruptedException e) {
                // Closing: the pause ends early.
                Thread.currentThread().interrupt();
            }
        });
    }

    private void extend(long sentAt) {
        synchronized (holding) {
            long until = sentAt + lengthNanos;
            if (!established || until - validUntil > 0) {
                validUntil = until;
                established = true;
            }
        }
    }

    // ---- taking over ---------------------------------------------------------------------

    /**
     * Whether this CPU takes over the CPUs whose lease ended (default), or leaves a hung CPU to the
     * engine's heartbeat: for the benchmark that measures the heartbeat as its baseline. It still
     * grants and holds leases.
     */
    void acting(boolean on) {
        acting = on;
    }

    private void takeOver(long now) {
        if (!acting) {
            return;
        }
        java.util.Set<UUID> alone = new java.util.HashSet<>();
        for (LeaseGrants.Grant g : grants.expired(now)) {
            if (g.alone()) {
                alone.add(g.member());
                if (leftToHeartbeat.add(g.member())) {
                    // MessageFormat: a quote is written twice; the length as text, not grouped in thousands.
                    LOG.log(System.Logger.Level.WARNING, "CPU {0}: CPU {1} did not renew its lease for {2} ms, but it "
                            + "carries a pair alone: not taken over on the lease, left to the engine''s heartbeat",
                            self, g.cpu(), String.valueOf(settings.length().toMillis()));
                }
                continue;
            }
            Long after = retryAfter.get(g.member());
            if (!takeovers.containsKey(g.member()) && (after == null || now - after >= 0)
                    && membership.isMember(g.member())) {
                takeovers.put(g.member(), new Takeover(g.cpu(), g.member()));
            }
        }
        takeovers.values().removeIf(t -> t.step(System.nanoTime()));
        retryAfter.values().removeIf(t -> now - t >= 0);
        leftToHeartbeat.retainAll(alone);
    }

    /** Another CPU's takeover of {@code member} won: hand it to the engine here too. */
    private void evictFor(int cpu, UUID member, String evidence) {
        if (closed || !membership.isMember(member)) {
            return;
        }
        Membership.Eviction action = membership.evict(member, evidence);
        LOG.log(System.Logger.Level.WARNING, "CPU {0}: {1}: {2}", self, evidence, action);
    }

    private enum Round { WON, LOST, PENDING }

    /** One member's takeover on the lease, driven by the lease thread's ticks. */
    private final class Takeover {
        private final int cpu;
        private final UUID member;
        private long roundStarted;
        /** Answers of the round; written by link threads. */
        private final Map<Integer, LeaseWire.Reply> answers = new java.util.concurrent.ConcurrentHashMap<>();
        /** The CPUs asked. */
        private int asked;
        private long ownRemaining;
        /** When the holder's lease has surely ended; meaningful once a quorum promised. */
        private long endsAt;
        private boolean won;
        private int evictions;

        Takeover(int cpu, UUID member) {
            this.cpu = cpu;
            this.member = member;
        }

        /** @return true when this takeover is over (done, lost, or no longer needed) */
        boolean step(long now) {
            if (!membership.isMember(member)) {
                if (!won) {
                    // Ended by the member leaving this CPU's view (on the cut-off side of a split its
                    // engine drops the others), not by a lost round: no takeover counts on this
                    // revocation, and kept it would refuse that same member's renewals for ten
                    // leases once this CPU merges back, and a healthy CPU needing its grant fences.
                    grants.withdraw(member);
                }
                return true;
            }
            if (!won) {
                if (roundStarted == 0) {
                    startRound(now);
                }
                Round r = count(now);
                if (r == Round.PENDING && now - roundStarted < ROUND_NANOS) {
                    return false;
                }
                if (r != Round.WON) {
                    // No quorum promised: this CPU may grant the member again, and asks again later.
                    grants.withdraw(member);
                    retryAfter.put(member, now + RETRY_NANOS);
                    return true;
                }
                return false;
            }
            if (now - endsAt < 0) {
                return false;
            }
            if (evictions >= EVICT_ATTEMPTS) {
                LOG.log(System.Logger.Level.WARNING, "CPU {0}: the engine still lists CPU {1} after {2} evictions "
                        + "on its lease; left to the heartbeat", self, cpu, evictions);
                return true;
            }
            if (now - endsAt >= evictions * TimeUnit.SECONDS.toNanos(1)) {
                evictions++;
                String evidence = "CPU " + cpu + " did not renew its lease for " + settings.length().toMillis()
                        + " ms, and a quorum of CPUs stopped granting it";
                // Every other survivor too: the engine's master acts on its own word, but when the
                // hung member is the master every member must stop trusting it, or the one that
                // claims mastership splits from those that still follow the old master.
                ByteBuffer ask = LeaseWire.request(LeaseWire.Ask.EVICT, cpu, member, membership.localMember());
                for (Membership.CpuMember m : membership.cpuMembers()) {
                    if (!m.local() && !m.member().equals(member)) {
                        transport.ask(m.cpu(), ask.duplicate());
                    }
                }
                if (evictions == 1) {
                    // Counted before the engine acts: whoever sees the member gone sees it counted.
                    Lease.this.evictions.incrementAndGet();
                }
                Membership.Eviction action = membership.evict(member, evidence);
                LOG.log(System.Logger.Level.WARNING, "CPU {0}: {1}: {2}", self, evidence, action);
                if (evictions == 1) {
                    onEviction.accept(cpu, evidence);
                }
            }
            return false;
        }

        private void startRound(long now) {
            roundStarted = now;
            ownRemaining = grants.revokeForTakeover(cpu, member, now);
            ByteBuffer ask = LeaseWire.request(LeaseWire.Ask.REVOKE, cpu, member, membership.localMember());
            for (Membership.CpuMember m : membership.cpuMembers()) {
                if (m.local() || m.member().equals(member)) {
                    continue;
                }
                asked++;
                CompletableFuture<ByteBuffer> f = transport.ask(m.cpu(), ask.duplicate());
                if (f == null) {
                    answers.put(m.cpu(), new LeaseWire.Reply(LeaseWire.Answer.UNREADABLE, 0));
                } else {
                    f.whenComplete((bytes, failure) -> answers.put(m.cpu(), failure != null
                            ? new LeaseWire.Reply(LeaseWire.Answer.UNREADABLE, 0) : LeaseWire.readReply(bytes)));
                }
            }
        }

        private Round count(long now) {
            int accepted = 1;
            int other = 0;
            long longest = ownRemaining;
            for (LeaseWire.Reply r : answers.values()) {
                if (r.answer() == LeaseWire.Answer.REVOKE_ACCEPTED) {
                    accepted++;
                    longest = Math.max(longest, r.remainingNanos());
                } else {
                    other++;
                }
            }
            if (accepted >= Math.max(1, quorum)) {
                // Counted from now, after the answers arrived: each grantor's remainder was read earlier.
                won = true;
                endsAt = now + longest + marginNanos;
                LOG.log(System.Logger.Level.INFO, "CPU {0}: CPU {1} stopped renewing its lease and {2} CPU(s) stopped "
                        + "granting it: its lease has surely ended in {3} ms", self, cpu, accepted,
                        (longest + marginNanos) / 1_000_000);
                return Round.WON;
            }
            int unanswered = asked - accepted + 1 - other;
            return accepted + unanswered >= quorum ? Round.PENDING : Round.LOST;
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.shutdownNow();
        try {
            if (!thread.awaitTermination(2, TimeUnit.SECONDS)) {
                LOG.log(System.Logger.Level.WARNING, "CPU {0}: lease thread did not stop within 2 s", self);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RejectedExecutionException ignored) {
            // Closed already.
        }
    }
}
