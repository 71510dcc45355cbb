package dev.firmament.api.security.signature;

import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The part of RFC 8941 (Structured Field Values) that HTTP message signatures use: a dictionary
 * whose members are inner lists of strings with parameters ({@code Signature-Input}) or byte
 * sequences ({@code Signature}). Anything malformed is an {@link IllegalArgumentException} with the
 * position, so the client learns what to fix.
 */
final class StructuredFields {
  private StructuredFields() {}

  /**
   * An inner list member: its string items, its parameters, and its exact text (the value of the
   * {@code @signature-params} component).
   */
  record InnerList(List<String> items, Map<String, Object> params, String text) {}

  /**
   * Parses a dictionary; members are {@link InnerList}, {@code byte[]}, String, Long or Boolean.
   */
  static Map<String, Object> dictionary(String input) {
    Parser p = new Parser(input);
    Map<String, Object> members = new LinkedHashMap<>();
    p.skipSpaces();
    while (!p.atEnd()) {
      String key = p.key();
      Object value;
      if (p.peek('=')) {
        p.pos++;
        value = p.peek('(') ? p.innerList() : p.bareItem();
        if (!(value instanceof InnerList)) {
          p.parameters();
        }
      } else {
        value = Boolean.TRUE;
        p.parameters();
      }
      members.put(key, value);
      p.skipOws();
      if (p.atEnd()) {
        break;
      }
      p.expect(',');
      p.skipOws();
      if (p.atEnd()) {
        throw p.error("trailing comma");
      }
    }
    return members;
  }

  private static final class Parser {
    private final String s;
    private int pos;

    Parser(String s) {
      this.s = s == null ? "" : s;
    }

    boolean atEnd() {
      return pos >= s.length();
    }

    boolean peek(char c) {
      return !atEnd() && s.charAt(pos) == c;
    }

    void expect(char c) {
      if (!peek(c)) {
        throw error("expected '" + c + "'");
      }
      pos++;
    }

    void skipSpaces() {
      while (peek(' ')) {
        pos++;
      }
    }

    void skipOws() {
      while (peek(' ') || peek('\t')) {
        pos++;
      }
    }

    IllegalArgumentException error(String what) {
      return new IllegalArgumentException(what + " at position " + pos + " of: " + s);
    }

    String key() {
      if (atEnd() || !(Character.isLowerCase(s.charAt(pos)) || s.charAt(pos) == '*')) {
        throw error("expected a key");
      }
      int start = pos;
      while (!atEnd()) {
        char c = s.charAt(pos);
        if (Character.isLowerCase(c) || Character.isDigit(c) || "_-.*".indexOf(c) >= 0) {
          pos++;
        } else {
          break;
        }
      }
      return s.substring(start, pos);
    }

    InnerList innerList() {
      int start = pos;
      expect('(');
      List<String> items = new ArrayList<>();
      while (true) {
        skipSpaces();
        if (peek(')')) {
          pos++;
          break;
        }
        Object item = bareItem();
        if (!(item instanceof String string)) {
          throw error("a covered component must be a string");
        }
        if (!parameters().isEmpty()) {
          throw error("component parameters are not supported");
        }
        items.add(string);
        if (!peek(' ') && !peek(')')) {
          throw error("expected a space or ')'");
        }
      }
      Map<String, Object> params = parameters();
      return new InnerList(List.copyOf(items), params, s.substring(start, pos));
    }

    Map<String, Object> parameters() {
      Map<String, Object> params = new LinkedHashMap<>();
      while (peek(';')) {
        pos++;
        skipSpaces();
        String key = key();
        Object value = Boolean.TRUE;
        if (peek('=')) {
          pos++;
          value = bareItem();
        }
        params.put(key, value);
      }
      return params;
    }

    Object bareItem() {
      if (atEnd()) {
        throw error("expected a value");
      }
      char c = s.charAt(pos);
      if (c == '"') {
        return string();
      }
      if (c == ':') {
        return bytes();
      }
      if (c == '-' || Character.isDigit(c)) {
        return integer();
      }
      if (c == '?') {
        pos++;
        if (peek('0') || peek('1')) {
          return s.charAt(pos++) == '1';
        }
        throw error("expected ?0 or ?1");
      }
      if (Character.isLetter(c) || c == '*') {
        int start = pos;
        while (!atEnd() && " ,;()=\"".indexOf(s.charAt(pos)) < 0) {
          pos++;
        }
        return s.substring(start, pos);
      }
      throw error("unexpected '" + c + "'");
    }

    String string() {
      expect('"');
      StringBuilder out = new StringBuilder();
      while (true) {
        if (atEnd()) {
          throw error("unterminated string");
        }
        char c = s.charAt(pos++);
        if (c == '\\') {
          if (atEnd() || (s.charAt(pos) != '"' && s.charAt(pos) != '\\')) {
            throw error("bad escape");
          }
          out.append(s.charAt(pos++));
        } else if (c == '"') {
          return out.toString();
        } else if (c < 0x20 || c > 0x7e) {
          throw error("non-printable character in string");
        } else {
          out.append(c);
        }
      }
    }

    byte[] bytes() {
      expect(':');
      int end = s.indexOf(':', pos);
      if (end < 0) {
        throw error("unterminated byte sequence");
      }
      String b64 = s.substring(pos, end);
      pos = end + 1;
      try {
        return Base64.getDecoder().decode(b64);
      } catch (IllegalArgumentException e) {
        throw error("bad base64");
      }
    }

    Long integer() {
      int start = pos;
      if (peek('-')) {
        pos++;
      }
      while (!atEnd() && Character.isDigit(s.charAt(pos))) {
        pos++;
      }
      if (pos - start > 16 || pos == start || (pos == start + 1 && s.charAt(start) == '-')) {
        throw error("bad integer");
      }
      return Long.parseLong(s.substring(start, pos));
    }
  }
}
