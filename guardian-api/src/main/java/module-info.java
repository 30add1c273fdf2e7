/**
 * OpenPair's public API: the Guardian procedures a NonStop porter looks for
 * ({@code processSpawn}, {@code processStop}, named processes, process handles) in plain Java.
 * Nothing of the cluster engine or the native layer appears here.
 */
module org.openpair.guardian {
    exports org.openpair.guardian;
}
