package dev.firmament.protocol.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ByteBudgetTest {

  private final ByteBudget<String> budget = new ByteBudget<>(1_000);

  @Test
  void aReservationThatExactlyExhaustsTheBudgetFits() {
    assertThat(budget.tryReserve("a", 600)).isTrue();
    assertThat(budget.tryReserve("b", 400)).isTrue();

    assertThat(budget.reserved()).isEqualTo(1_000);
    assertThat(budget.firstWaiting()).isNull();
  }

  @Test
  void oneByteOverTheBudgetWaits() {
    budget.tryReserve("a", 600);

    assertThat(budget.tryReserve("b", 401)).isFalse();

    assertThat(budget.isWaiting("b")).isTrue();
    assertThat(budget.holds("b")).isFalse();
    assertThat(budget.reserved()).isEqualTo(600);
  }

  @Test
  void aLoneHolderMayReserveMoreThanTheWholeBudget() {
    assertThat(budget.tryReserve("big", 5_000)).isTrue();
    assertThat(budget.tryReserve("next", 1)).isFalse();
  }

  @Test
  void releasingAnExhaustedBudgetLetsTheFirstWaiterIn() {
    budget.tryReserve("a", 1_000);
    budget.tryReserve("b", 500);
    budget.tryReserve("c", 500);
    assertThat(budget.firstWaiting()).isEqualTo("b");

    budget.release("a");

    assertThat(budget.reserved()).isZero();
    assertThat(budget.tryReserve(budget.firstWaiting(), 500)).isTrue();
    assertThat(budget.isWaiting("b")).isFalse();
    assertThat(budget.firstWaiting()).isEqualTo("c");
    assertThat(budget.tryReserve("c", 500)).isTrue();
    assertThat(budget.reserved()).isEqualTo(1_000);
  }

  @Test
  void aHolderWaitsOnceHoweverOftenItAsks() {
    budget.tryReserve("a", 1_000);
    budget.tryReserve("b", 10);
    budget.tryReserve("c", 10);
    budget.tryReserve("b", 10);

    assertThat(budget.firstWaiting()).isEqualTo("b");
    budget.release("b");
    assertThat(budget.firstWaiting()).isEqualTo("c");
    budget.release("c");
    assertThat(budget.firstWaiting()).isNull();
  }

  @Test
  void aHolderKeepsItsReservationAndIsNotChargedTwice() {
    budget.tryReserve("a", 300);

    assertThat(budget.tryReserve("a", 900)).isTrue();

    assertThat(budget.reservedBy("a")).isEqualTo(300);
    assertThat(budget.reserved()).isEqualTo(300);
  }

  @Test
  void releasingTwiceOrWithoutAReservationChangesNothing() {
    budget.tryReserve("a", 300);
    budget.release("a");
    budget.release("a");
    budget.release("never");

    assertThat(budget.reserved()).isZero();
    assertThat(budget.reservedBy("a")).isZero();
  }

  @Test
  void holdersAreComparedByIdentity() {
    String first = new String("same");
    String second = new String("same");
    budget.tryReserve(first, 800);

    assertThat(budget.tryReserve(second, 800)).isFalse();
    assertThat(budget.holds(second)).isFalse();
    assertThat(budget.isWaiting(first)).isFalse();
  }

  @Test
  void emptyReservationsAndBudgetsAreRefused() {
    assertThatThrownBy(() -> budget.tryReserve("a", 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ByteBudget<String>(0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
