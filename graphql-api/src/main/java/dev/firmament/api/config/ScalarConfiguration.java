package dev.firmament.api.config;

import graphql.GraphQLContext;
import graphql.execution.CoercedVariables;
import graphql.language.IntValue;
import graphql.language.StringValue;
import graphql.language.Value;
import graphql.schema.Coercing;
import graphql.schema.CoercingParseLiteralException;
import graphql.schema.CoercingParseValueException;
import graphql.schema.CoercingSerializeException;
import graphql.schema.GraphQLScalarType;
import java.math.BigInteger;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.graphql.execution.RuntimeWiringConfigurer;

/** The custom scalars of {@code scalars.graphqls}. */
@Configuration(proxyBeanMethods = false)
public class ScalarConfiguration {

  /** ISO-8601 with offset; values leave the API in UTC so that clients compare them as text. */
  public static final GraphQLScalarType DATE_TIME =
      GraphQLScalarType.newScalar()
          .name("DateTime")
          .description("An ISO-8601 date-time with an offset")
          .coercing(new DateTimeCoercing())
          .build();

  public static final GraphQLScalarType LONG =
      GraphQLScalarType.newScalar()
          .name("Long")
          .description("A 64-bit integer")
          .coercing(new LongCoercing())
          .build();

  public static final GraphQLScalarType VARIABLE_VALUE =
      GraphQLScalarType.newScalar()
          .name("VariableValue")
          .description("A device variable's value")
          .coercing(new VariableValueCoercing())
          .build();

  @Bean
  public RuntimeWiringConfigurer scalarWiring() {
    return wiring -> wiring.scalar(DATE_TIME).scalar(LONG).scalar(VARIABLE_VALUE);
  }

  /** Output only: an int32, a double, a string or a boolean, as JSON has them. */
  static final class VariableValueCoercing implements Coercing<Object, Object> {

    @Override
    public Object serialize(Object value, GraphQLContext context, Locale locale) {
      return switch (value) {
        case Integer i -> i;
        case Double d -> d;
        case String s -> s;
        case Boolean b -> b;
        default ->
            throw new CoercingSerializeException(
                "VariableValue cannot serialize " + value.getClass().getName());
      };
    }

    @Override
    public Object parseValue(Object input, GraphQLContext context, Locale locale) {
      throw new CoercingParseValueException("VariableValue is an output type");
    }

    @Override
    public Object parseLiteral(
        Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
      throw new CoercingParseLiteralException("VariableValue is an output type");
    }
  }

  static final class DateTimeCoercing implements Coercing<OffsetDateTime, String> {

    @Override
    public String serialize(Object value, GraphQLContext context, Locale locale) {
      OffsetDateTime dateTime =
          switch (value) {
            case OffsetDateTime odt -> odt;
            case ZonedDateTime zdt -> zdt.toOffsetDateTime();
            case Instant instant -> instant.atOffset(ZoneOffset.UTC);
            default ->
                throw new CoercingSerializeException(
                    "DateTime cannot serialize " + value.getClass().getName());
          };
      return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(
          dateTime.withOffsetSameInstant(ZoneOffset.UTC));
    }

    @Override
    public OffsetDateTime parseValue(Object input, GraphQLContext context, Locale locale) {
      if (input instanceof OffsetDateTime odt) {
        return odt;
      }
      if (input instanceof String text) {
        try {
          return OffsetDateTime.parse(text);
        } catch (DateTimeParseException e) {
          throw new CoercingParseValueException("not an ISO-8601 date-time: " + text, e);
        }
      }
      throw new CoercingParseValueException("DateTime expects a string");
    }

    @Override
    public OffsetDateTime parseLiteral(
        Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
      if (input instanceof StringValue text) {
        try {
          return OffsetDateTime.parse(text.getValue());
        } catch (DateTimeParseException e) {
          throw new CoercingParseLiteralException(
              "not an ISO-8601 date-time: " + text.getValue(), e);
        }
      }
      throw new CoercingParseLiteralException("DateTime expects a string literal");
    }

    @Override
    public Value<?> valueToLiteral(Object input, GraphQLContext context, Locale locale) {
      return StringValue.of(serialize(input, context, locale));
    }
  }

  static final class LongCoercing implements Coercing<Long, Long> {

    @Override
    public Long serialize(Object value, GraphQLContext context, Locale locale) {
      if (value instanceof Long || value instanceof Integer || value instanceof Short) {
        return ((Number) value).longValue();
      }
      throw new CoercingSerializeException("Long cannot serialize " + value.getClass().getName());
    }

    @Override
    public Long parseValue(Object input, GraphQLContext context, Locale locale) {
      if (input instanceof Long || input instanceof Integer || input instanceof Short) {
        return ((Number) input).longValue();
      }
      if (input instanceof BigInteger big && big.bitLength() < 64) {
        return big.longValue();
      }
      throw new CoercingParseValueException("Long expects a 64-bit integer");
    }

    @Override
    public Long parseLiteral(
        Value<?> input, CoercedVariables variables, GraphQLContext context, Locale locale) {
      if (input instanceof IntValue number && number.getValue().bitLength() < 64) {
        return number.getValue().longValue();
      }
      throw new CoercingParseLiteralException("Long expects a 64-bit integer literal");
    }

    @Override
    public Value<?> valueToLiteral(Object input, GraphQLContext context, Locale locale) {
      return new IntValue(BigInteger.valueOf(serialize(input, context, locale)));
    }
  }
}
