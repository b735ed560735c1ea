// A minimal Java TLS server for keychest's tests: loads a PKCS#12 (or JKS) keystore and
// truststore, requires client authentication, answers one line per connection.
// Usage: java TlsServer KEYSTORE TRUSTSTORE PASSWORD CONNECTIONS
import java.io.*;
import java.net.InetAddress;
import java.security.KeyStore;
import javax.net.ssl.*;

public class TlsServer {
    public static void main(String[] args) throws Exception {
        char[] pw = args[2].toCharArray();
        KeyStore ks = KeyStore.getInstance(args[0].endsWith(".jks") ? "JKS" : "PKCS12");
        try (InputStream in = new FileInputStream(args[0])) { ks.load(in, pw); }
        KeyStore ts = KeyStore.getInstance(args[1].endsWith(".jks") ? "JKS" : "PKCS12");
        try (InputStream in = new FileInputStream(args[1])) { ts.load(in, pw); }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
        kmf.init(ks, pw);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
        tmf.init(ts);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
        SSLServerSocket ss = (SSLServerSocket) ctx.getServerSocketFactory()
            .createServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
        ss.setNeedClientAuth(true);
        System.out.println("PORT " + ss.getLocalPort());
        System.out.flush();
        int n = Integer.parseInt(args[3]);
        for (int i = 0; i < n; i++) {
            try (SSLSocket s = (SSLSocket) ss.accept()) {
                s.setSoTimeout(10000);
                s.startHandshake();
                String peer = s.getSession().getPeerPrincipal().getName();
                System.out.println("CLIENT " + peer);
                System.out.flush();
                OutputStream out = s.getOutputStream();
                out.write(("hello " + peer + "\n").getBytes("UTF-8"));
                out.flush();
                BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), "UTF-8"));
                String line = r.readLine();
                System.out.println("READ " + line);
                System.out.flush();
            } catch (Exception e) {
                System.out.println("FAILED " + e);
                System.out.flush();
            }
        }
    }
}
