package kg.jena;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.jena.atlas.json.JSON;
import org.apache.jena.atlas.json.JsonArray;
import org.apache.jena.atlas.json.JsonNull;
import org.apache.jena.atlas.json.JsonObject;
import org.apache.jena.atlas.json.JsonString;
import org.apache.jena.atlas.json.JsonValue;
import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.query.QueryExecution;
import org.apache.jena.query.QuerySolution;
import org.apache.jena.query.ResultSet;
import org.apache.jena.rdf.model.RDFNode;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.shacl.ShaclValidator;
import org.apache.jena.shacl.Shapes;
import org.apache.jena.shacl.ValidationReport;
import org.apache.jena.shacl.validation.ReportEntry;
import org.apache.jena.sparql.exec.http.QueryExecutionHTTP;
import org.apache.jena.sys.JenaSystem;

/**
 * Apache Jena as a second, independent implementation beside kg's Python stack (scripts/jena.sh).
 *
 * <pre>
 *   query ENDPOINT FILE.rq...       each SELECT over HTTP (Jena parses it first); prints
 *                                   {"FILE.rq": {"vars": [...], "rows": [[value|null, ...]]}, ...}
 *   shacl SHAPES.ttl DATA.ttl...    the union of the DATA files validated with Jena SHACL; prints
 *                                   {"conforms": bool, "results": [{"focus", "path", "value",
 *                                   "component", "message"}, ...]}
 * </pre>
 *
 * Values are plain strings: an IRI, a literal's lexical form, "_:label" for a blank node. Exit 1 with
 * one "jena: ..." line on stderr when a query does not parse, the endpoint fails or a file is bad.
 */
public final class Peer {
    private Peer() {}

    public static void main(String[] args) {
        JenaSystem.init();
        try {
            if (args.length >= 3 && args[0].equals("query")) {
                System.out.println(JSON.toString(query(args[1], List.of(args).subList(2, args.length))));
            } else if (args.length >= 3 && args[0].equals("shacl")) {
                System.out.println(JSON.toString(shacl(args[1], List.of(args).subList(2, args.length))));
            } else {
                System.err.println("usage: Peer query ENDPOINT FILE.rq... | shacl SHAPES.ttl DATA.ttl...");
                System.exit(2);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("jena: " + String.valueOf(e.getMessage()).replaceAll("\\s+", " "));
            System.exit(1);
        }
    }

    private static JsonObject query(String endpoint, List<String> files) throws IOException {
        JsonObject out = new JsonObject();
        for (String file : files) {
            String text = Files.readString(Path.of(file), StandardCharsets.UTF_8);
            try (QueryExecution qe = QueryExecutionHTTP.service(endpoint).query(text).build()) {
                ResultSet rs = qe.execSelect();
                JsonArray vars = new JsonArray();
                rs.getResultVars().forEach(vars::add);
                JsonArray rows = new JsonArray();
                while (rs.hasNext()) {
                    QuerySolution s = rs.next();
                    JsonArray row = new JsonArray();
                    for (String v : rs.getResultVars()) {
                        row.add(value(s.get(v)));
                    }
                    rows.add(row);
                }
                JsonObject answer = new JsonObject();
                answer.put("vars", vars);
                answer.put("rows", rows);
                out.put(Path.of(file).getFileName().toString(), answer);
            } catch (RuntimeException e) {
                throw new RuntimeException(Path.of(file).getFileName() + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static JsonValue value(RDFNode n) {
        if (n == null) {
            return JsonNull.instance;
        }
        if (n.isLiteral()) {
            return new JsonString(n.asLiteral().getLexicalForm());
        }
        if (n.isAnon()) {
            return new JsonString("_:" + n.asResource().getId().getLabelString());
        }
        return new JsonString(n.asResource().getURI());
    }

    private static JsonObject shacl(String shapesFile, List<String> dataFiles) {
        Graph data = RDFDataMgr.loadGraph(dataFiles.get(0));
        for (String f : dataFiles.subList(1, dataFiles.size())) {
            RDFDataMgr.read(data, f);
        }
        Shapes shapes = Shapes.parse(RDFDataMgr.loadGraph(shapesFile));
        ValidationReport report = ShaclValidator.get().validate(shapes, data);
        List<JsonObject> results = new ArrayList<>();
        for (ReportEntry e : report.getEntries()) {
            JsonObject r = new JsonObject();
            r.put("focus", node(e.focusNode()));
            r.put("path", e.resultPath() == null ? JsonNull.instance : new JsonString(e.resultPath().toString()));
            r.put("value", node(e.value()));
            r.put("component", node(e.sourceConstraintComponent()));
            r.put("message", e.message() == null ? JsonNull.instance : new JsonString(e.message()));
            results.add(r);
        }
        JsonObject out = new JsonObject();
        out.put("conforms", report.conforms());
        JsonArray arr = new JsonArray();
        results.forEach(arr::add);
        out.put("results", arr);
        return out;
    }

    private static JsonValue node(Node n) {
        if (n == null) {
            return JsonNull.instance;
        }
        if (n.isLiteral()) {
            return new JsonString(n.getLiteralLexicalForm());
        }
        if (n.isBlank()) {
            return new JsonString("_:" + n.getBlankNodeLabel());
        }
        return new JsonString(n.getURI());
    }
}
