// Reads patterns from stdin, one per line, each as hex UTF-16 code units (4 hex digits per unit), and
// answers one line per pattern: "OK" when java.util.regex.Pattern.compile accepts it, otherwise
// "ERR<TAB>description<TAB>index" (PatternSyntaxException) or "ERR<TAB>ExceptionClass<TAB>-1".
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

public class JavaRegexCheck {
  public static void main(String[] args) throws Exception {
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    BufferedWriter out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      StringBuilder p = new StringBuilder(line.length() / 4);
      for (int i = 0; i + 4 <= line.length(); i += 4) p.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
      String answer;
      try {
        Pattern.compile(p.toString());
        answer = "OK";
      } catch (PatternSyntaxException e) {
        answer = "ERR\t" + e.getDescription().replace('\t', ' ').replace('\n', ' ') + "\t" + e.getIndex();
      } catch (Throwable t) {
        answer = "ERR\t" + t.getClass().getName() + "\t-1";
      }
      out.write(answer);
      out.write('\n');
    }
    out.flush();
  }
}
