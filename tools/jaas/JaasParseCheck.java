// Reads sasl.jaas.config values from stdin, one per line as hex UTF-16 code units (4 hex digits per
// unit), parses each with Kafka's own parser (org.apache.kafka.common.security.JaasConfig, from the
// kafka-clients jar on the class path) and answers one line per value:
//   "OK<TAB>entries<TAB>module flag key=hexvalue key=hexvalue ...|module ..." or "ERR<TAB>message".
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import javax.security.auth.login.AppConfigurationEntry;
import java.lang.reflect.Constructor;
import javax.security.auth.login.Configuration;

public class JaasParseCheck {
  static String hex(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) b.append(String.format("%04x", (int) s.charAt(i)));
    return b.toString();
  }

  public static void main(String[] args) throws Exception {
    // JaasConfig is package-private: reach Kafka's own parser by reflection (class path, no modules).
    Constructor<?> ctor = Class.forName("org.apache.kafka.common.security.JaasConfig").getDeclaredConstructor(String.class, String.class);
    ctor.setAccessible(true);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
    String line;
    StringBuilder out = new StringBuilder();
    while ((line = in.readLine()) != null) {
      StringBuilder p = new StringBuilder();
      for (int i = 0; i + 4 <= line.length(); i += 4) p.append((char) Integer.parseInt(line.substring(i, i + 4), 16));
      try {
        AppConfigurationEntry[] entries = ((Configuration) ctor.newInstance("KafkaClient", p.toString())).getAppConfigurationEntry("KafkaClient");
        StringBuilder e = new StringBuilder();
        for (AppConfigurationEntry entry : entries) {
          if (e.length() > 0) e.append('|');
          e.append(entry.getLoginModuleName()).append(' ').append(entry.getControlFlag().toString().replace("LoginModuleControlFlag: ", ""));
          for (Map.Entry<String, ?> o : new TreeMap<String, Object>(entry.getOptions()).entrySet()) {
            e.append(' ').append(o.getKey()).append('=').append(hex(String.valueOf(o.getValue())));
          }
        }
        out.append("OK\t").append(entries.length).append('\t').append(e).append('\n');
      } catch (Exception ex) {
        Throwable cause = ex instanceof java.lang.reflect.InvocationTargetException ? ex.getCause() : ex;
        out.append("ERR\t").append(String.valueOf(cause.getMessage()).replace('\n', ' ').replace('\t', ' ')).append('\n');
      }
    }
    System.out.print(out);
  }
}
