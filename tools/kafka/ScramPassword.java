// Sets a user's SCRAM-SHA-512 password on a cluster (Admin.alterUserScramCredentials, KIP-554), as
// an operator rotating credentials does. Run as a single-file program on the stack's client jars:
//   java -cp 'tools/kafka/libs-<version>/*' tools/kafka/ScramPassword.java <admin.properties> <bootstrap servers> <user>
// The new password is read from standard input, so it never shows in a process listing.
import java.io.BufferedReader;
import java.io.FileInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;

public class ScramPassword {
  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: ScramPassword <admin client properties> <bootstrap servers> <user>  (new password on stdin)");
      System.exit(2);
    }
    Properties props = new Properties();
    try (FileInputStream in = new FileInputStream(args[0])) {
      props.load(in);
    }
    props.setProperty("bootstrap.servers", args[1]);
    String password = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
    if (password == null || password.isEmpty()) {
      System.err.println("no password on stdin");
      System.exit(2);
    }
    try (Admin admin = Admin.create(props)) {
      admin
          .alterUserScramCredentials(
              List.of(new UserScramCredentialUpsertion(args[2], new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), password)))
          .all()
          .get();
    }
  }
}
