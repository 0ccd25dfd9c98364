// Reads `A<TAB>B` pairs on stdin, prints `A<TAB>B<TAB>expected` as Maven's ComparableVersion
// decides. usage: java -cp maven-artifact.jar:. MavenOracle < pairs.tsv
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class MavenOracle {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            String[] ab = line.split("\t", -1);
            String r;
            if (ab[0].isEmpty() || ab[1].isEmpty()) {
                r = "error";
            } else {
                int c = new ComparableVersion(ab[0]).compareTo(new ComparableVersion(ab[1]));
                r = String.valueOf(Integer.signum(c));
            }
            out.println(ab[0] + "\t" + ab[1] + "\t" + r);
        }
        out.flush();
    }
}
