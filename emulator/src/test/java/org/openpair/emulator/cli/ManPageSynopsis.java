package org.openpair.emulator.cli;

import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks the SYNOPSIS of a hand-written man page against the classes it names. A synopsis is
 * Java-shaped: {@code package} lines, then type blocks ({@code interface Guardian { ... }})
 * listing the members a porter calls, each as a declaration. Every declaration must match a
 * public member by name, static-ness, parameter types and return type (simple names,
 * generics ignored); a constant's value and an enum constant's number must match too. A line
 * the checker cannot read is itself a problem, so nothing in a synopsis escapes the check.
 */
final class ManPageSynopsis {
    private static final Pattern HEADER = Pattern.compile(
            "(?:(?:public|final|sealed|abstract|static)\\s+)*(interface|class|record|enum)\\s+([\\w.]+)\\s*(?:\\((.*)\\))?\\s*\\{");
    private static final Pattern ENUM_CONSTANT = Pattern.compile("([A-Z][A-Z0-9_]*)(?:\\((-?\\d+)\\))?\\s*[,;]");
    private static final Pattern FIELD = Pattern.compile(
            "(static\\s+)?(?:final\\s+)?(\\S+)\\s+([A-Z][A-Z0-9_]*)\\s*=\\s*(-?\\d+)\\s*;");
    private static final Pattern METHOD = Pattern.compile(
            "((?:static|default)\\s+)?(?:(.+?)\\s+)?(\\w+)\\((.*)\\)(?:\\s+throws\\s+([\\w.,\\s]+))?\\s*;");

    private final List<String> problems = new ArrayList<>();
    private int checked;

    private ManPageSynopsis() {
    }

    /** The problems found in {@code synopsis}, each naming the line; empty when every member exists. */
    static List<String> check(String synopsis) {
        ManPageSynopsis s = new ManPageSynopsis();
        s.run(synopsis);
        if (s.checked == 0 && s.problems.isEmpty()) {
            s.problems.add("the synopsis names no member: a page must show the calls it documents");
        }
        return s.problems;
    }

    private void run(String synopsis) {
        String pkg = null;
        Class<?> type = null;
        String kind = null;
        StringBuilder pending = new StringBuilder();
        for (String raw : synopsis.split("\n")) {
            int comment = raw.indexOf("//");
            String line = (comment >= 0 ? raw.substring(0, comment) : raw).trim();
            if (line.isEmpty()) {
                continue;
            }
            pending.append(pending.length() == 0 ? "" : " ").append(line);
            // A declaration may wrap over several lines: read it once it is complete.
            boolean ends = line.endsWith(";") || line.endsWith("{") || line.endsWith("}")
                    || (line.endsWith(",") && "enum".equals(kind));
            if (!ends) {
                continue;
            }
            String stmt = pending.toString();
            pending.setLength(0);
            if (stmt.startsWith("package ")) {
                pkg = stmt.substring(8, stmt.length() - 1).trim();
                continue;
            }
            if (stmt.startsWith("import ")) {
                continue;
            }
            if (stmt.equals("}")) {
                type = null;
                kind = null;
                continue;
            }
            Matcher h = HEADER.matcher(stmt);
            if (type == null) {
                if (!h.matches() || pkg == null) {
                    problems.add("not a type header (or no package line before it): " + stmt);
                    continue;
                }
                kind = h.group(1);
                type = resolve(pkg, h.group(2), stmt);
                if (type != null) {
                    checkType(type, kind, stmt, h.group(3));
                }
                if (stmt.endsWith("}")) {
                    type = null;
                }
                continue;
            }
            checkMember(type, kind, stmt);
        }
        if (pending.length() > 0) {
            problems.add("unterminated declaration: " + pending);
        }
    }

    private Class<?> resolve(String pkg, String dotted, String stmt) {
        String binary = pkg + "." + dotted.replace('.', '$');
        try {
            return Class.forName(binary, false, ManPageSynopsis.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            problems.add("no type " + pkg + "." + dotted + ": " + stmt);
            return null;
        }
    }

    private void checkType(Class<?> type, String kind, String stmt, String components) {
        checked++;
        boolean kindOk = switch (kind) {
            case "interface" -> type.isInterface();
            case "enum" -> type.isEnum();
            case "record" -> type.isRecord();
            default -> !type.isInterface() && !type.isEnum() && !type.isRecord();
        };
        if (!kindOk) {
            problems.add(type.getName() + " is not " + kind + ": " + stmt);
        }
        if (!Modifier.isPublic(type.getModifiers())) {
            problems.add(type.getName() + " is not public: " + stmt);
        }
        if (stmt.matches("(?:\\w+\\s+)*final\\s+.*") && !Modifier.isFinal(type.getModifiers())) {
            problems.add(type.getName() + " is not final: " + stmt);
        }
        if (type.isRecord()) {
            List<String> documented = components == null ? List.of() : params(components);
            List<String> actual = new ArrayList<>();
            for (RecordComponent c : type.getRecordComponents()) {
                actual.add(c.getType().getSimpleName() + " " + c.getName());
            }
            if (!documented.equals(actual)) {
                problems.add(type.getName() + " has components " + actual + ", the page says " + documented);
            }
        }
    }

    private void checkMember(Class<?> type, String kind, String stmt) {
        checked++;
        if (type.isEnum()) {
            Matcher c = ENUM_CONSTANT.matcher(stmt);
            if (c.matches()) {
                checkEnumConstant(type, c.group(1), c.group(2), stmt);
                return;
            }
        }
        Matcher f = FIELD.matcher(stmt);
        if (f.matches()) {
            checkField(type, f.group(2), f.group(3), f.group(4), stmt);
            return;
        }
        Matcher m = METHOD.matcher(stmt);
        if (!m.matches()) {
            problems.add("cannot read this declaration: " + stmt);
            return;
        }
        boolean isStatic = m.group(1) != null && m.group(1).trim().equals("static");
        String returns = m.group(2);
        String name = m.group(3);
        List<String> paramTypes = new ArrayList<>();
        for (String p : params(m.group(4))) {
            paramTypes.add(p.substring(0, p.lastIndexOf(' ')));
        }
        List<String> throwsList = m.group(5) == null ? List.of()
                : Arrays.stream(m.group(5).split(",")).map(String::trim).map(ManPageSynopsis::simple).toList();
        List<Executable> candidates = new ArrayList<>();
        if (returns == null) {
            if (!name.equals(type.getSimpleName())) {
                problems.add("a method needs a return type, a constructor the type's name: " + stmt);
                return;
            }
            candidates.addAll(Arrays.asList(type.getConstructors()));
        } else {
            for (Method method : type.getMethods()) {
                if (method.getName().equals(name)) {
                    candidates.add(method);
                }
            }
        }
        for (Executable e : candidates) {
            if (!paramTypes.equals(Arrays.stream(e.getParameterTypes()).map(Class::getSimpleName).toList())) {
                continue;
            }
            List<String> problemsOfThis = new ArrayList<>();
            if (e instanceof Method method) {
                if (!simple(returns).equals(method.getReturnType().getSimpleName())) {
                    problemsOfThis.add("returns " + method.getReturnType().getSimpleName());
                }
                if (isStatic != Modifier.isStatic(method.getModifiers())) {
                    problemsOfThis.add(isStatic ? "is not static" : "is static");
                }
            }
            List<String> declared = Arrays.stream(e.getExceptionTypes()).map(Class::getSimpleName).toList();
            if (!declared.containsAll(throwsList)) {
                problemsOfThis.add("throws " + declared);
            }
            if (!problemsOfThis.isEmpty()) {
                problems.add(type.getName() + "." + name + " " + String.join(", ", problemsOfThis) + ": " + stmt);
            }
            return;
        }
        problems.add("no public " + (returns == null ? "constructor" : "method") + " " + type.getName() + "."
                + name + paramTypes.toString().replace('[', '(').replace(']', ')') + ": " + stmt);
    }

    private void checkField(Class<?> type, String fieldType, String name, String value, String stmt) {
        try {
            Field field = type.getField(name);
            if (!simple(fieldType).equals(field.getType().getSimpleName())) {
                problems.add(type.getName() + "." + name + " is a " + field.getType().getSimpleName() + ": " + stmt);
            } else if (!Modifier.isStatic(field.getModifiers())) {
                problems.add(type.getName() + "." + name + " is not a constant: " + stmt);
            } else if (!String.valueOf(field.get(null)).equals(value)) {
                problems.add(type.getName() + "." + name + " is " + field.get(null) + ", the page says " + value + ": " + stmt);
            }
        } catch (NoSuchFieldException e) {
            problems.add("no public field " + type.getName() + "." + name + ": " + stmt);
        } catch (IllegalAccessException e) {
            problems.add("cannot read " + type.getName() + "." + name + ": " + e);
        }
    }

    private void checkEnumConstant(Class<?> type, String name, String number, String stmt) {
        Object constant = Arrays.stream(type.getEnumConstants()).filter(c -> ((Enum<?>) c).name().equals(name))
                .findFirst().orElse(null);
        if (constant == null) {
            problems.add("no constant " + type.getName() + "." + name + ": " + stmt);
            return;
        }
        if (number == null) {
            return;
        }
        // The Guardian number of a constant is its enum's one int accessor (code(), reason(), ...).
        List<Method> accessors = Arrays.stream(type.getDeclaredMethods())
                .filter(m -> Modifier.isPublic(m.getModifiers()) && !Modifier.isStatic(m.getModifiers())
                        && m.getParameterCount() == 0 && m.getReturnType() == int.class)
                .toList();
        if (accessors.size() != 1) {
            problems.add(type.getName() + " has no single int accessor for the number the page gives: " + stmt);
            return;
        }
        try {
            Object actual = accessors.get(0).invoke(constant);
            if (!String.valueOf(actual).equals(number)) {
                problems.add(type.getName() + "." + name + "." + accessors.get(0).getName() + "() is " + actual
                        + ", the page says " + number + ": " + stmt);
            }
        } catch (ReflectiveOperationException e) {
            problems.add("cannot read " + type.getName() + "." + name + ": " + e);
        }
    }

    /** "Type name" pairs of a parameter list, generics dropped, varargs as arrays. */
    private static List<String> params(String list) {
        List<String> out = new ArrayList<>();
        String flat = dropGenerics(list).replace("...", "[] ");
        for (String p : flat.split(",")) {
            String t = p.trim().replaceAll("\\s+", " ");
            if (t.isEmpty()) {
                continue;
            }
            int space = t.lastIndexOf(' ');
            out.add(space < 0 ? t : simple(t.substring(0, space)) + " " + t.substring(space + 1));
        }
        return out;
    }

    /** The simple name of a written type: no generics, no package or enclosing type. */
    static String simple(String written) {
        String t = dropGenerics(written).replace("...", "[]").trim();
        String dims = "";
        while (t.endsWith("[]")) {
            dims += "[]";
            t = t.substring(0, t.length() - 2).trim();
        }
        return t.substring(t.lastIndexOf('.') + 1) + dims;
    }

    private static String dropGenerics(String s) {
        StringBuilder out = new StringBuilder();
        int depth = 0;
        for (char c : s.toCharArray()) {
            if (c == '<') {
                depth++;
            } else if (c == '>') {
                depth--;
            } else if (depth == 0) {
                out.append(c);
            }
        }
        return out.toString();
    }
}
