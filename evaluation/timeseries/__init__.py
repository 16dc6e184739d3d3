"""Scoring forecasts (prediction kind `forecast`): MASE and WQL relative to Seasonal Naive, and the
smoothness of the predicted distributions, on the zero-shot tasks `timeseries/real` and
`timeseries/synthetic`."""
