//! The resourcemanager app as an AWS Lambda function: initialise once at cold start, then
//! serve API Gateway requests with the app's router.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    let state = clusto_http::bootstrap::lambda_state().await;
    lambda_http::run(clusto_resourcemanager::router(state)).await
}
