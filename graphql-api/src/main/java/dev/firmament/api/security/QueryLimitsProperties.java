package dev.firmament.api.security;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The limits every GraphQL document must stay within before it runs ({@link QueryLimits}).
 *
 * @param enabled false only to measure what the checks cost (the benchmark); never in production
 * @param maxDocumentSize characters of the document, checked before it is parsed
 * @param maxDepth nesting of fields, the operation's own fields being depth 1
 * @param maxAliases aliased fields, counted where fragments are spread
 * @param maxCost fields counted with the page sizes of the lists they are in
 * @param defaultPageSize the page size counted for a list argument given no value and no default
 */
@ConfigurationProperties("firmament.api.limits")
public record QueryLimitsProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("20000") int maxDocumentSize,
    @DefaultValue("12") int maxDepth,
    @DefaultValue("30") int maxAliases,
    @DefaultValue("150000") long maxCost,
    @DefaultValue("100") int defaultPageSize) {}
