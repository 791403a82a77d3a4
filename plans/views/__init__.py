"""Pages of the plans app: service commitments in `commitments`, account plans in `plans`, the
actions list in `actions`.

All are re-exported here, so `from plans import views` and the URLconf keep one namespace."""
