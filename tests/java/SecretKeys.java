// Secret keys as Java makes and uses them, for tests/formats.rs.
//   make STORE TYPE PASS            KeyGenerator keys of each algorithm below into a new store
//   check STORE TYPE PASS ALIAS...  loads each key and initialises a Cipher or Mac with it;
//                                   prints "alias algorithm bytes" per key, exits 1 on a failure
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.security.Key;
import java.security.KeyStore;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

public class SecretKeys {
    static final String[][] KEYS = {
        {"desede", "DESede", "168"},
        {"des", "DES", "56"},
        {"arcfour", "ARCFOUR", "128"},
        {"blowfish", "Blowfish", "128"},
        {"hmacsha3-256", "HmacSHA3-256", "256"},
        {"hmacsha3-512", "HmacSHA3-512", "512"},
        {"aes", "AES", "128"},
        // No PKCS#12 secret-bag OID: converting to PKCS#12 refuses or skips it.
        {"rc2", "RC2", "128"},
    };

    public static void main(String[] a) throws Exception {
        char[] pw = a[3].toCharArray();
        KeyStore ks = KeyStore.getInstance(a[2]);
        if (a[0].equals("make")) {
            ks.load(null, null);
            for (String[] k : KEYS) {
                KeyGenerator g = KeyGenerator.getInstance(k[1]);
                g.init(Integer.parseInt(k[2]));
                ks.setEntry(k[0], new KeyStore.SecretKeyEntry(g.generateKey()),
                        new KeyStore.PasswordProtection(pw));
            }
            try (FileOutputStream out = new FileOutputStream(a[1])) {
                ks.store(out, pw);
            }
            return;
        }
        try (FileInputStream in = new FileInputStream(a[1])) {
            ks.load(in, pw);
        }
        boolean failed = false;
        for (int i = 4; i < a.length; i++) {
            Key key = ks.getKey(a[i], pw);
            String alg = key == null ? "missing" : key.getAlgorithm();
            try {
                if (alg.startsWith("Hmac")) {
                    Mac.getInstance(alg).init(key);
                } else {
                    Cipher.getInstance(alg).init(Cipher.ENCRYPT_MODE, (SecretKey) key);
                }
                System.out.println(a[i] + " " + alg + " " + key.getEncoded().length);
            } catch (Exception e) {
                System.out.println(a[i] + " " + alg + " FAILED " + e);
                failed = true;
            }
        }
        System.exit(failed ? 1 : 0);
    }
}
