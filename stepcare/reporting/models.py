"""The deprivation lookup the equity view uses: postcode to English Index of Multiple
Deprivation decile, through the postcode's LSOA (loaded by ``stepcare import-deprivation``)."""

from __future__ import annotations

from django.db import models


class PostcodeDeprivation(models.Model):
    """One postcode's LSOA and its IMD decile (1 = the most deprived tenth of LSOAs in England,
    10 = the least deprived). ``postcode`` is normalised: capitals, no spaces (``LS14AP``)."""

    postcode = models.CharField(max_length=8, unique=True)
    lsoa_code = models.CharField("LSOA code", max_length=9)
    imd_decile = models.PositiveSmallIntegerField("IMD decile")
    loaded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "postcode deprivation decile"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(imd_decile__gte=1, imd_decile__lte=10), name="deprivation_decile_1_to_10"
            ),
            models.CheckConstraint(
                condition=~models.Q(postcode__contains=" ") & ~models.Q(postcode=""),
                name="deprivation_postcode_normalised",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.postcode}: {self.lsoa_code}, decile {self.imd_decile}"
