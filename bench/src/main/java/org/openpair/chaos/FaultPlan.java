package org.openpair.chaos;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The faults of a run, drawn from one seeded {@link Random}: the same seed, fault count and
 * heartbeat timeout give the same plan, so a failing run can be replayed with {@code --seed}
 * (the timing of the node and the clients is not replayed; the faults and their parameters are).
 *
 * <p>The plan is made of rounds, each every kind once in a shuffled order, so a run of N faults
 * makes each kind N / kinds times (rounded down or up) and a run of at least as many faults as
 * kinds makes every kind. The target pair is drawn for each fault among the pairs the kind
 * applies to: a kill of the primary process alone needs the pair of OS processes, and the state
 * growth the key-value pair (its values can be large).
 */
final class FaultPlan {
    static final long MAX_SWITCH_KILL_DELAY_MILLIS = 500;
    static final long MIN_PAUSE_MILLIS = 500;

    private FaultPlan() {
    }

    /**
     * @param leaseMillis the CPUs' lease (0: none): a pause is then drawn just below or just above
     *                    it, half each, so that some pauses end before the lease (nothing may move)
     *                    and some after it (the pair moves, and the thawed CPU must not act as primary)
     */
    static List<Fault> make(long seed, int count, List<ChaosPair> pairs, int heartbeatTimeoutSeconds, long leaseMillis) {
        Random random = new Random(seed);
        List<Fault> plan = new ArrayList<>(count);
        List<FaultKind> round = new ArrayList<>();
        while (plan.size() < count) {
            if (round.isEmpty()) {
                round.addAll(List.of(FaultKind.values()));
                Collections.shuffle(round, random);
            }
            FaultKind kind = round.remove(0);
            int pair = target(kind, pairs, random);
            long millis = switch (kind) {
                case SWITCH_THEN_KILL -> random.nextInt((int) MAX_SWITCH_KILL_DELAY_MILLIS + 1);
                case PAUSE_PRIMARY_CPU -> leaseMillis > 0 ? aroundTheLease(random, leaseMillis) : MIN_PAUSE_MILLIS
                        + random.nextInt((int) Math.max(1, heartbeatTimeoutSeconds * 500L - MIN_PAUSE_MILLIS));
                default -> 0;
            };
            plan.add(new Fault(plan.size() + 1, kind, pair, millis));
        }
        return plan;
    }

    /** 70-95% of the lease, or 105-150%. */
    static long aroundTheLease(Random random, long leaseMillis) {
        boolean below = random.nextBoolean();
        double share = below ? 0.70 + 0.25 * random.nextDouble() : 1.05 + 0.45 * random.nextDouble();
        return Math.round(share * leaseMillis);
    }

    /** Whether a fault of {@code kind} can be made against {@code pair}. */
    static boolean fits(FaultKind kind, ChaosPair pair) {
        return switch (kind) {
            case KILL_PRIMARY_PROCESS -> pair.osProcess();
            case GROW_STATE_THEN_KILL -> pair.kind() == PairKind.KV;
            default -> true;
        };
    }

    private static int target(FaultKind kind, List<ChaosPair> pairs, Random random) {
        List<Integer> fit = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            if (fits(kind, pairs.get(i))) {
                fit.add(i);
            }
        }
        if (fit.isEmpty()) {
            throw new IllegalArgumentException("no pair of the run fits a " + kind.key() + " fault");
        }
        return fit.get(random.nextInt(fit.size()));
    }
}
