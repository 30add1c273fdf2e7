package org.openpair.guardian;

/**
 * A hosted program: OpenPair instantiates the class (public no-argument constructor) in the
 * target CPU's JVM and calls {@link #run} on a platform thread of the process's own.
 *
 * <p>How {@code run} ends decides the completion code: returning is a normal stop (0); an
 * exception escaping it, or {@link ProcessContext#abend}, is an abend (5). A stop by another
 * process or the operator (6) interrupts the program's threads; a program should end promptly
 * when interrupted or when {@link ProcessContext#isStopRequested()} turns true. The process is
 * removed from the tables at the stop whether or not its threads have ended yet.
 */
@FunctionalInterface
public interface GuardianProgram {

    /**
     * The program's main.
     *
     * @param context the process's view of itself and of the node
     * @throws Exception any failure: the process abends with completion code 5
     */
    void run(ProcessContext context) throws Exception;
}
