package kg.neo4j;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;

/**
 * Runs Neo4j 5 Community in this JVM with only its Bolt connector, on loopback, until killed.
 *
 * <p>Settings come from the environment (scripts/neo4j.sh sets them): KG_NEO4J_BOLT_PORT (7687),
 * KG_NEO4J_HOME (the DBMS home; data under HOME/data) and KG_NEO4J_AUTH (user:pass; unset or
 * empty = authentication off). Prints one "kg-neo4j: ready" line once the default database is
 * available, or one "kg-neo4j: error ..." line and exits 1.
 */
public final class Launcher {
    private Launcher() {}

    public static void main(String[] args) throws InterruptedException {
        String port = env("KG_NEO4J_BOLT_PORT", "7687");
        Path home = Path.of(env("KG_NEO4J_HOME", "neo4j-home")).toAbsolutePath();
        String auth = env("KG_NEO4J_AUTH", "");
        int colon = auth.indexOf(':');
        if (!auth.isEmpty() && colon < 1) {
            fail("KG_NEO4J_AUTH must be user:pass");
        }
        Map<String, String> config = new HashMap<>();
        config.put("server.bolt.enabled", "true");
        config.put("server.bolt.listen_address", "127.0.0.1:" + port);
        config.put("server.bolt.advertised_address", "127.0.0.1:" + port);
        config.put("server.bolt.tls_level", "DISABLED");
        config.put("dbms.security.auth_enabled", Boolean.toString(!auth.isEmpty()));
        // Test passwords may be short; the default minimum is 8.
        config.put("dbms.security.auth_minimum_password_length", "1");
        // Tests log in with wrong passwords on purpose; Neo4j would lock the user for 5 s after 3.
        config.put("dbms.security.auth_max_failed_attempts", "0");
        // A test server on a shared 2-core machine: small page cache, no usage reports.
        config.put("server.memory.pagecache.size", env("KG_NEO4J_PAGECACHE", "256m"));
        config.put("dbms.usage_report.enabled", "false");
        config.put("db.tx_log.rotation.retention_policy", "2 files");

        DatabaseManagementService dbms;
        try {
            // Written as HOME/conf/neo4j.conf, where neo4j-admin (the import tool) reads it too.
            Path conf = home.resolve("conf").resolve("neo4j.conf");
            Files.createDirectories(conf.getParent());
            StringBuilder text = new StringBuilder();
            new TreeMap<>(config).forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
            Files.writeString(conf, text.toString());
            dbms = new DatabaseManagementServiceBuilder(home).loadPropertiesFromFile(conf).build();
        } catch (IOException | RuntimeException e) {
            fail("cannot start Neo4j in " + home + ": " + oneLine(e));
            return;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "kg-neo4j-shutdown"));
        if (!auth.isEmpty()) {
            setPassword(dbms, auth.substring(0, colon), auth.substring(colon + 1));
        }
        GraphDatabaseService db = dbms.database("neo4j");
        db.executeTransactionally("RETURN 1");
        System.out.println("kg-neo4j: ready on bolt://127.0.0.1:" + port + " (home " + home + ")");
        System.out.flush();
        new CountDownLatch(1).await(); // until SIGTERM runs the shutdown hook
    }

    /** Gives `user` the password `pass`; Community has users (no roles), so any user may write. */
    private static void setPassword(DatabaseManagementService dbms, String user, String pass) {
        GraphDatabaseService system = dbms.database("system");
        Map<String, Object> params = Map.of("user", user, "pass", pass);
        try {
            if ("neo4j".equals(user)) {
                system.executeTransactionally(
                        "ALTER USER neo4j SET PASSWORD $pass CHANGE NOT REQUIRED", params);
            } else {
                system.executeTransactionally(
                        "CREATE OR REPLACE USER $user SET PASSWORD $pass CHANGE NOT REQUIRED", params);
            }
        } catch (RuntimeException e) {
            // A restart on the same home: the password is already this one.
            if (!oneLine(e).contains("cannot be the same")) {
                dbms.shutdown();
                fail("cannot set the password of user " + user + ": " + oneLine(e));
            }
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isEmpty() ? fallback : v;
    }

    private static String oneLine(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        String msg = e == root ? String.valueOf(e.getMessage()) : e.getMessage() + ": " + root.getMessage();
        return msg.replaceAll("\\s+", " ");
    }

    private static void fail(String message) {
        System.out.println("kg-neo4j: error: " + message);
        System.out.flush();
        System.exit(1);
    }
}
