package dev.firmament.api.security.signature;

import dev.firmament.api.access.AccessRepository;
import dev.firmament.api.access.AccessRepository.TokenGrant;
import dev.firmament.api.access.RequestSigningKeys;
import dev.firmament.api.access.TokenIntrospector;
import dev.firmament.api.caller.Caller;
import dev.firmament.api.caller.CallerPrincipal;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.context.SecurityContext;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates requests signed with a request-signing key ({@code Signature-Input} and {@code
 * Signature} headers, RFC 9421): the signature must cover the method, the target URI and the body's
 * digest, be created within the clock skew, carry a nonce never seen before, and verify with the
 * key's secret; the key must be live and its holder a member. The caller is then the holder, with
 * the key's scopes that the holder's role grants. A refused signature gets 401 with the reason.
 * Requests without a signature pass on to the bearer-token check.
 *
 * <p>A body is read into memory to check its digest, up to the largest image, except for a raw
 * upload ({@code application/octet-stream}) of more than {@value #BUFFERED_UPLOAD} bytes or of
 * unknown length: that one streams on, its digest checked as it passes, and its last read fails
 * when the digest does not match, so that the upload, which acts only at the end of its stream,
 * keeps nothing.
 */
public class RequestSignatureFilter extends OncePerRequestFilter {
  /** The largest raw upload whose digest is checked in memory, before the request goes on. */
  public static final long BUFFERED_UPLOAD = 1024 * 1024;

  private final AccessRepository access;
  private final RequestSigningKeys keys;
  private final TokenIntrospector introspector;
  private final AuthenticationEntryPoint refuse;
  private final Duration skew;
  private final long maxBody;

  public RequestSignatureFilter(
      AccessRepository access,
      RequestSigningKeys keys,
      TokenIntrospector introspector,
      AuthenticationEntryPoint refuse,
      Duration skew,
      long maxBody) {
    this.access = access;
    this.keys = keys;
    this.introspector = introspector;
    this.refuse = refuse;
    this.skew = skew;
    this.maxBody = maxBody;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String input = request.getHeader("Signature-Input");
    if (input == null) {
      chain.doFilter(request, response);
      return;
    }
    try {
      if (request.getHeader("Authorization") != null) {
        throw new SignatureException("send either a bearer token or a signature, not both");
      }
      SignedRequest signed;
      HttpServletRequest forwarded;
      if (streamsBody(request)) {
        signed =
            SignedRequest.parseStreamed(
                message(request, null), input, request.getHeader("Signature"), Instant.now(), skew);
        forwarded =
            new ReplacedBody(
                request,
                signed.verifyingBody(request.getInputStream()),
                request.getContentLengthLong());
      } else {
        byte[] body =
            request.getInputStream().readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBody + 1));
        if (body.length > maxBody) {
          throw new SignatureException("the signed body exceeds " + maxBody + " bytes");
        }
        signed =
            SignedRequest.parse(
                message(request, body), input, request.getHeader("Signature"), Instant.now(), skew);
        forwarded = new ReplacedBody(request, new ByteArrayInputStream(body), body.length);
      }
      TokenGrant grant =
          access
              .findSigningKeyGrant(signed.keyId())
              .orElseThrow(() -> new SignatureException("unknown signing key"));
      Caller caller;
      try {
        if (!keys.configured() || !signed.verify(keys.secretBytes(signed.keyId()))) {
          throw new SignatureException("the signature does not verify with key " + signed.keyId());
        }
        caller = introspector.member(grant);
      } catch (SignatureException | BadOpaqueTokenException e) {
        introspector.refused(grant, signed.keyId(), e.getMessage());
        throw e;
      }
      if (!access.recordNonce(
          caller.organizationId(), signed.keyId(), signed.nonce(), 2 * skew.toSeconds())) {
        throw new SignatureException("the nonce was already used: a replayed request");
      }
      access.touchSigningKey(grant.id());
      SecurityContext context = SecurityContextHolder.createEmptyContext();
      context.setAuthentication(new SignedRequestAuthentication(new CallerPrincipal(caller)));
      SecurityContextHolder.setContext(context);
      try {
        chain.doFilter(forwarded, response);
      } finally {
        SecurityContextHolder.clearContext();
      }
    } catch (SignatureException | BadOpaqueTokenException e) {
      refuse.commence(request, response, new InvalidBearerTokenException(e.getMessage()));
    }
  }

  private static boolean streamsBody(HttpServletRequest request) {
    String type = request.getContentType();
    long length = request.getContentLengthLong();
    return type != null
        && MediaType.APPLICATION_OCTET_STREAM.isCompatibleWith(MediaType.parseMediaType(type))
        && (length < 0 || length > BUFFERED_UPLOAD);
  }

  private static SignedRequest.Message message(HttpServletRequest request, byte[] body) {
    String query = request.getQueryString();
    String host = request.getHeader("Host");
    return new SignedRequest.Message(
        request.getMethod(),
        request.getRequestURL() + (query == null ? "" : "?" + query),
        host != null ? host : request.getServerName() + ":" + request.getServerPort(),
        request.getRequestURI(),
        query,
        request.getScheme(),
        name -> Collections.list(request.getHeaders(name)),
        body);
  }

  /** The authentication a verified signature stands for. */
  static final class SignedRequestAuthentication extends AbstractAuthenticationToken {
    private static final long serialVersionUID = 1L;
    private final CallerPrincipal principal;

    SignedRequestAuthentication(CallerPrincipal principal) {
      super(principal.getAuthorities());
      this.principal = principal;
      setAuthenticated(true);
    }

    @Override
    public Object getCredentials() {
      return "";
    }

    @Override
    public Object getPrincipal() {
      return principal;
    }
  }

  /**
   * The request with its body replaced: read once for the digest and replayed, or streamed through
   * the digest check.
   */
  static final class ReplacedBody extends HttpServletRequestWrapper {
    private final InputStream body;
    private final long length;

    ReplacedBody(HttpServletRequest request, InputStream body, long length) {
      super(request);
      this.body = body;
      this.length = length;
    }

    @Override
    public ServletInputStream getInputStream() {
      return new ServletInputStream() {
        private boolean finished;

        @Override
        public int read() throws IOException {
          int b = body.read();
          finished = b == -1;
          return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          int n = body.read(b, off, len);
          finished = n == -1;
          return n;
        }

        @Override
        public boolean isFinished() {
          return finished;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          throw new UnsupportedOperationException("the signed body is read in blocking mode");
        }
      };
    }

    @Override
    public BufferedReader getReader() {
      return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
    }

    @Override
    public int getContentLength() {
      return length > Integer.MAX_VALUE ? -1 : (int) length;
    }

    @Override
    public long getContentLengthLong() {
      return length;
    }
  }
}
