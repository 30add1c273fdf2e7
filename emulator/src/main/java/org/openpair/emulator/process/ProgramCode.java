package org.openpair.emulator.process;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.net.MalformedURLException;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.ZipFile;

import org.openpair.emulator.attach.AttachMain;
import org.openpair.guardian.GuardianError;
import org.openpair.guardian.GuardianException;
import org.openpair.guardian.GuardianProgram;

/**
 * Where a Java program's classes come from on this CPU: its own class path, then the CPU's
 * ({@code --class-path}), in a class loader of its own; or, for a program that brought no class
 * path and whose class is in neither, the CPU's own classes (this checkout's programs, and
 * every program when no class path is set anywhere, as before class paths existed).
 *
 * <p>One loader per hosted program, so two programs can hold two versions of one class (the two
 * sides of a rolling upgrade) in one CPU; it is closed when the program ends. For a
 * {@code --java} program the loader only checks, before a PIN is taken, that the class is there;
 * the child JVM gets the same entries as its {@code -cp} ({@link #childClassPath}).
 */
public final class ProgramCode implements AutoCloseable {
    private static final String API_PACKAGE = GuardianProgram.class.getPackageName() + ".";
    private static final ClassLoader API = GuardianProgram.class.getClassLoader();
    private static final ClassLoader API_ONLY = new ApiOnly();

    private final Class<?> type;
    /** Null when the program runs from the CPU's own classes. */
    private final URLClassLoader loader;
    private final List<Path> entries;

    private ProgramCode(Class<?> type, URLClassLoader loader, List<Path> entries) {
        this.type = type;
        this.loader = loader;
        this.entries = entries;
    }

    /**
     * Checks each entry of a class path on this machine: error 11 if it does not exist, 2 if it
     * is neither a directory nor a jar (a zip file), either naming the entry.
     */
    public static List<Path> check(List<String> classPath) {
        List<Path> paths = new ArrayList<>();
        for (String entry : classPath) {
            Path p = Path.of(entry);
            if (Files.isDirectory(p)) {
                paths.add(p);
                continue;
            }
            if (!Files.exists(p)) {
                throw new GuardianException(GuardianError.NOT_FOUND, "class path entry " + entry
                        + " does not exist on this CPU's machine");
            }
            try (ZipFile jar = new ZipFile(p.toFile())) {
                paths.add(p);
            } catch (IOException e) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "class path entry " + entry
                        + " is neither a directory nor a jar: " + e.getMessage());
            }
        }
        return paths;
    }

    /**
     * Finds {@code className} for a program whose own class path is {@code programClassPath} on a
     * CPU whose class path is {@code cpuClassPath}: error 11 if an entry is missing or the class
     * is not found, 2 if an entry is no jar nor directory. The caller closes what it gets unless
     * a process took it over.
     */
    static ProgramCode find(String className, List<String> programClassPath, List<String> cpuClassPath) {
        if (programClassPath.isEmpty() && cpuClassPath.isEmpty()) {
            return own(className);
        }
        // Duplicates dropped: a program may name a jar the CPU has too.
        Set<Path> unique = new LinkedHashSet<>(check(programClassPath));
        unique.addAll(check(cpuClassPath));
        List<Path> entries = List.copyOf(unique);
        URL[] urls = new URL[entries.size()];
        for (int i = 0; i < urls.length; i++) {
            try {
                urls[i] = entries.get(i).toUri().toURL();
            } catch (MalformedURLException e) {
                throw new GuardianException(GuardianError.INVALID_OPERATION, "class path entry " + entries.get(i)
                        + " is not a valid location: " + e.getMessage());
            }
        }
        URLClassLoader loader = new URLClassLoader("program " + className, urls, API_ONLY);
        try {
            return new ProgramCode(Class.forName(className, false, loader), loader, entries);
        } catch (ClassNotFoundException | LinkageError e) {
            closeQuietly(loader);
            if (programClassPath.isEmpty()) {
                return own(className);
            }
            throw new GuardianException(GuardianError.NOT_FOUND, "program class " + className
                    + " is not in its class path " + String.join(":", programClassPath)
                    + (cpuClassPath.isEmpty() ? "" : " nor the CPU's " + String.join(":", cpuClassPath))
                    + (e instanceof LinkageError ? " (" + e + ")" : ""));
        }
    }

    /**
     * Whether {@code program} (a Java one; anything else passes) would start from
     * {@code programClassPath}: its class found (11 if not, or if an entry is missing; 2 for an
     * entry that is no jar nor directory) with a no-argument constructor (2). Nothing runs.
     */
    static void checkLoads(org.openpair.guardian.Program program, List<String> programClassPath,
                           List<String> cpuClassPath) {
        String className = program instanceof org.openpair.guardian.Program.Hosted h ? h.className()
                : program instanceof org.openpair.guardian.Program.Java j ? j.className() : null;
        if (className == null) {
            return;
        }
        ProgramCode code = find(className, programClassPath, cpuClassPath);
        try {
            code.constructor();
        } finally {
            code.close();
        }
    }

    private static ProgramCode own(String className) {
        try {
            return new ProgramCode(Class.forName(className, false, ProcessTable.class.getClassLoader()), null,
                    List.of());
        } catch (ClassNotFoundException | LinkageError e) {
            throw new GuardianException(GuardianError.NOT_FOUND, "program class " + className
                    + " is not on this CPU's class path");
        }
    }

    /** The program's no-argument constructor; error 2 if it is no {@link GuardianProgram} or has none. */
    Constructor<? extends GuardianProgram> constructor() {
        return HostedProcess.constructorOf(type);
    }

    /** The loader the program's threads run with: its own, or the CPU's. */
    ClassLoader loader() {
        return loader != null ? loader : type.getClassLoader();
    }

    /**
     * The {@code -cp} of a {@code --java} program's JVM. From the CPU's own classes, this JVM's
     * class path, as before. Otherwise only what the child needs: the API (the program's
     * interface), the emulator's classes (the launcher {@link AttachMain} and what it uses: the
     * attach, codec, signals and threads packages; none of them loads Hazelcast, picocli,
     * snakeyaml or the native layer, so those jars stay out and cannot clash with a user's), then
     * the program's and the CPU's entries.
     */
    String childClassPath() {
        if (loader == null) {
            return System.getProperty("java.class.path");
        }
        Set<String> cp = new LinkedHashSet<>();
        cp.add(locationOf(GuardianProgram.class));
        cp.add(locationOf(AttachMain.class));
        entries.forEach(e -> cp.add(e.toString()));
        return String.join(java.io.File.pathSeparator, cp);
    }

    private static String locationOf(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException | RuntimeException e) {
            throw new IllegalStateException("cannot tell where " + type.getName() + " was loaded from: " + e, e);
        }
    }

    /**
     * Closes the program's own loader: classes it already loaded keep working, later loads from
     * it fail. Nothing for a program run from the CPU's classes.
     */
    @Override
    public void close() {
        if (loader != null) {
            closeQuietly(loader);
        }
    }

    private static void closeQuietly(URLClassLoader loader) {
        try {
            loader.close();
        } catch (IOException e) {
            // Its jars stay open until the loader is collected: nothing else depends on it.
        }
    }

    /**
     * The parent of every program's loader: the JDK's platform classes and this API, nothing
     * else. The API and the emulator share one class loader (one {@code -cp} in the guardian
     * script, one class path in a test), so that loader cannot be the parent: its parent-first
     * lookup would hand a program the emulator's Hazelcast, picocli or snakeyaml before the
     * versions in the program's own jars. This loader passes on {@code org.openpair.guardian.*}
     * alone, so a program and the CPU share exactly the API's types.
     */
    private static final class ApiOnly extends ClassLoader {
        static {
            registerAsParallelCapable();
        }

        ApiOnly() {
            super("openpair-api", ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.startsWith(API_PACKAGE)) {
                return API.loadClass(name);
            }
            throw new ClassNotFoundException(name);
        }

        @Override
        protected URL findResource(String name) {
            return isApi(name) ? API.getResource(name) : null;
        }

        @Override
        protected Enumeration<URL> findResources(String name) throws IOException {
            return isApi(name) ? API.getResources(name) : Collections.emptyEnumeration();
        }

        private static boolean isApi(String resource) {
            return resource.startsWith(API_PACKAGE.replace('.', '/'));
        }
    }
}
