"""Phone and identity numbers in lists and exports: at least half of the digits hidden, always."""

import pytest

from api.masking import mask_id_number, mask_phone


@pytest.mark.parametrize("length", range(1, 21))
def test_masking_hides_at_least_half_of_the_digits_at_every_length(length):
    number = "".join(str((n * 7 + 3) % 10) for n in range(length))
    for masked in (mask_phone(number), mask_id_number(number)):
        assert len(masked) == length
        hidden = masked.count("*")
        assert hidden * 2 >= length, (number, masked)
        shown = [(a, b) for a, b in zip(number, masked, strict=True) if b != "*"]
        assert all(a == b for a, b in shown)


def test_masks_of_real_numbers():
    assert mask_phone("13812345678") == "1******5678"
    assert mask_phone("8123456") == "****456"  # 7 digits: was shown whole
    assert mask_phone("81234567") == "****4567"  # 8 digits: was shown with 7
    assert mask_phone("+86 138-1234-5678") == "8********5678"
    assert mask_id_number("520102195001011234") == "5201**********1234"
    assert mask_id_number("52010219500101123X") == "5201**********123X"
    assert mask_id_number("520102500101123") == "520********1123"  # the old 15 digits
    assert mask_phone("") == "" and mask_id_number("") == ""
