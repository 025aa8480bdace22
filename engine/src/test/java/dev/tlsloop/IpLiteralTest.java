package dev.tlsloop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link IpLiteral}: which host strings are IP literals, from their text alone. */
class IpLiteralTest {

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "192.0.2.1|192.0.2.1",
        "127.0.0.1|127.0.0.1",
        "0.0.0.0|0.0.0.0",
        "255.255.255.255|255.255.255.255",
        "2001:db8::1|2001:db8::1",
        "[::1]|::1",
        "::1|::1",
        "::|::",
        "::ffff:192.0.2.1|::ffff:192.0.2.1",
        "[::FFFF:192.0.2.1]|::ffff:192.0.2.1",
        "2001:0DB8:0000:0000:0000:0000:0000:0001|2001:db8::1",
        "1:2:3:4:5:6:7:8|1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::|1:2:3:4:5:6:7:0",
        "::2:3:4:5:6:7:8|0:2:3:4:5:6:7:8",
        "1:0:0:2:0:0:0:3|1:0:0:2::3",
        "1:0:0:2:0:0:3:4|1::2:0:0:3:4",
        "64:ff9b::192.0.2.1|64:ff9b::c000:201",
        "1:2:3:4:5:6:192.0.2.1|1:2:3:4:5:6:c000:201",
        "fe80::1%eth0|fe80::1",
        "[fe80::1%eth0]|fe80::1",
        "fe80::1%en0.1_a~b-c|fe80::1",
      })
  void literalsParseToTheirCanonicalText(String host, String canonical) throws Exception {
    IpLiteral ip = IpLiteral.parse(host);
    assertNotNull(ip, host + " is a literal");
    assertEquals(canonical, ip.canonical());
    assertFalse(IpLiteral.refusedAsHostName(host));
    // Cross-check the bytes with the JDK, on text already proved to be a literal (no lookup).
    String bare = host.replace("[", "").replace("]", "").replaceAll("%.*", "");
    assertEquals(InetAddress.getByName(bare), InetAddress.getByAddress(ip.address()));
    assertEquals(InetAddress.getByName(canonical), InetAddress.getByAddress(ip.address()));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"192.0.2.1", "127.0.0.1"})
  void ipv4LiteralsAreFourBytes(String host) {
    assertEquals(4, IpLiteral.parse(host).address().length);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"2001:db8::1", "[::1]", "::ffff:192.0.2.1", "fe80::1%eth0"})
  void ipv6LiteralsAreSixteenBytesEvenWhenIpv4Mapped(String host) {
    assertEquals(16, IpLiteral.parse(host).address().length);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"::ffff:192.0.2.1"})
  void anIpv4MappedAddressKeepsItsPrefix(String host) {
    byte[] expected = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, (byte) 192, 0, 2, 1};
    assertArrayEquals(expected, IpLiteral.parse(host).address());
  }

  /** Names made of hex letters are DNS names: SNI is sent for them. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"cafe", "db", "deadbeef", "localhost", "example.com", "a1.b2", "123.example", "f"})
  void dnsNamesAreNotLiteralsAndAreAccepted(String host) {
    assertNull(IpLiteral.parse(host));
    assertFalse(IpLiteral.refusedAsHostName(host));
  }

  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "1.2.3",
        "1.2.3.256",
        "1.2.3.4.5",
        "::1::",
        "[::1",
        "::1]",
        "12345::",
        "::ffff:1.2.3",
        "",
        "a..b",
        "010.0.0.1",
        "1.2.3.04",
        "00.0.0.0",
        "0x7f.0.0.1",
        "2130706433",
        "1.2.3.4%eth0",
        "[1.2.3.4]",
        "1.2.3.4.",
        "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7:1.2.3.4",
        "1:2:3:4:5:6:7:8::",
        "::ffff:1.2.3.4.5",
        "::ffff:1.2.3.256",
        "1.2.3.4::",
        "1::2::3",
        ":::",
        "1:",
        ":1",
        ":1::",
        "fe80::1%",
        "fe80::1%eth 0",
        "fe80::1%25%",
        "[]",
        "[::1]%eth0",
        "g::1",
        " 1.2.3.4",
        "1.2.3.4 ",
        "\u0661.\u0662.\u0663.\u0664", // Arabic-Indic digits: Character.isDigit would take them
        "1.2.3.-4",
        "+1.2.3.4",
      })
  void invalidFormsAreNotLiterals(String host) {
    assertNull(IpLiteral.parse(host), host);
  }

  /** Not literals, and not DNS names either: a client refuses them instead of sending SNI. */
  @ParameterizedTest(name = "\"{0}\"")
  @ValueSource(
      strings = {
        "1.2.3",
        "1.2.3.256",
        "1.2.3.4.5",
        "::1::",
        "[::1",
        "12345::",
        "::ffff:1.2.3",
        "010.0.0.1",
        "2130706433",
        "0x7f000001",
        "127.0x1",
        "1.2.3.4.",
        "fe80::1%",
        "example.123"
      })
  void numericAndBracketedNonLiteralsAreRefusedAsHostNames(String host) {
    assertTrue(IpLiteral.refusedAsHostName(host));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TlsConfig.client(host, 443));
    assertTrue(e.getMessage().contains(host), e.getMessage());
  }
}
