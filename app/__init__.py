"""BacaQuest: the backend of a reading-challenge app for Indonesian city libraries."""
